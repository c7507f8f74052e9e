import * as z from 'zod';
import { CutoverError } from '../core/errors.js';
import type { Host, Inventory } from '../core/inventory.js';
import { printable } from '../core/printable.js';
import { parseInput } from './probes/parse-input.js';

/** Per round: the VIP path probe takes at most 20 VIP attempts and 500 real-server requests. */
const MAX_ATTEMPTS = 20;
const MAX_WORKER_REQUESTS = 500;

const realTrafficRequestSchema = z
  .strictObject({
    dc: z.string().min(1).max(32),
    lvsService: z.string().min(1).max(63),
    workers: z.array(z.string().min(1).max(253)).max(MAX_WORKER_REQUESTS),
    attempts: z.int().min(1).max(MAX_ATTEMPTS),
  })
  .refine((request) => request.workers.length * request.attempts <= MAX_WORKER_REQUESTS, {
    error: `at most ${MAX_WORKER_REQUESTS} worker requests per round (workers × attempts)`,
  });

/** `wanted` requests per target, fewer when that many workers would exceed one round's limit. */
export function attemptsWithinLimit(workers: number, wanted: number): number {
  return Math.max(1, Math.min(wanted, MAX_ATTEMPTS, Math.floor(MAX_WORKER_REQUESTS / Math.max(1, workers))));
}

export interface RealTrafficRequest {
  dc: string;
  lvsService: string;
  /** Each asked-about worker once, in the order asked. */
  workers: Host[];
  attempts: number;
}

/**
 * A probeWorkers request, checked, with every worker resolved to a host that may be a member of
 * the pool in that DC: nothing outside the inventory is ever sent a request.
 */
export function parseRealTrafficRequest(inventory: Inventory, args: unknown): RealTrafficRequest {
  const request = parseInput(realTrafficRequestSchema, args, 'real-traffic probe');
  if (!inventory.datacenters.includes(request.dc)) {
    throw new CutoverError('input.invalid', `Unknown datacenter "${printable(request.dc)}". Known: ${inventory.datacenters.join(', ')}.`);
  }
  const members = new Map(inventory.members(request.lvsService, request.dc).map((host) => [host.fqdn, host]));
  const workers = [...new Set(request.workers)].map((fqdn) => {
    const host = members.get(fqdn);
    if (host === undefined) throw new CutoverError('input.invalid', `${printable(fqdn, 100)} is not a member of ${request.lvsService} in ${request.dc}; nothing was probed.`);
    return host;
  });
  return { dc: request.dc, lvsService: request.lvsService, workers, attempts: request.attempts };
}
