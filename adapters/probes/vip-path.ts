import * as z from 'zod';
import { printable } from '../../core/printable.js';
import { parseInput } from './parse-input.js';
import { endpointSchema, type HttpProbeRequest, type HttpProbeResult, type Prober } from './prober.js';

const vipPathRequestSchema = z.strictObject({
  /** The URL users' traffic carries (Host, SNI and path): the service's `probes.public_url`. */
  url: z.url({ protocol: /^https?$/ }),
  vip: endpointSchema.extend({ name: z.string().min(1).max(100).optional() }),
  realServers: z.array(endpointSchema.extend({ name: z.string().min(1).max(100) })).max(500),
  expectedNames: z.array(z.string()).max(50).optional(),
  timeoutMs: z.int().min(1).max(120_000),
  ca: z.string().optional(),
  rejectUnauthorized: z.boolean().default(true),
  /**
   * Requests through the VIP. Each is a new connection, so LVS spreads them over the pool: more
   * attempts make it likelier that a member which only fails real traffic is hit.
   */
  vipAttempts: z.int().min(1).max(20).default(1),
  concurrency: z.int().min(1).max(32).default(8),
});

export type VipPathRequest = z.input<typeof vipPathRequestSchema> & { signal?: AbortSignal };

export interface ServerProbe {
  name: string;
  target: string;
  result: HttpProbeResult;
}

export interface VipPathResult {
  ok: boolean;
  vip: { name: string; target: string; attempts: HttpProbeResult[]; okCount: number };
  servers: ServerProbe[];
  okServers: number;
  /** One line for the channel, e.g. "VIP 10.2.2.13:6543 ok (41 ms); 3/4 real servers ok, wikikube-worker1004: 503". */
  summary: string;
}

const LISTED_FAILURES = 5;

/**
 * Proves the path users take: real requests for a real tile through the VIP, and the same
 * request to every listed real server on its own IP with the public Host and SNI. pybal's
 * checks never touch the VIP, so "pybal says up" proved nothing on 2025-02-17; this does.
 */
export async function probeVipPath(prober: Prober, request: VipPathRequest): Promise<VipPathResult> {
  const { signal, ...data } = request;
  const input = parseInput(vipPathRequestSchema, data, 'VIP path probe');
  const base: HttpProbeRequest = {
    url: input.url,
    timeoutMs: input.timeoutMs,
    rejectUnauthorized: input.rejectUnauthorized,
    ...(input.expectedNames === undefined ? {} : { expectedNames: input.expectedNames }),
    ...(input.ca === undefined ? {} : { ca: input.ca }),
    ...(signal === undefined ? {} : { signal }),
  };
  const vipTarget = `${input.vip.host}:${input.vip.port}`;
  const jobs: Array<() => Promise<HttpProbeResult>> = [
    ...Array.from({ length: input.vipAttempts }, () => () => prober.probeHttp({ ...base, connectTo: { host: input.vip.host, port: input.vip.port } })),
    ...input.realServers.map((server) => () => prober.probeHttp({ ...base, connectTo: { host: server.host, port: server.port } })),
  ];
  const results = await runLimited(jobs, input.concurrency);
  const attempts = results.slice(0, input.vipAttempts);
  const servers = input.realServers.map((server, index) => ({
    name: server.name,
    target: `${server.host}:${server.port}`,
    result: results[input.vipAttempts + index] as HttpProbeResult,
  }));
  const okCount = attempts.filter((attempt) => attempt.ok).length;
  const okServers = servers.filter((server) => server.result.ok).length;
  const vip = { name: input.vip.name ?? vipTarget, target: vipTarget, attempts, okCount };
  return {
    ok: okCount === attempts.length && okServers === servers.length,
    vip,
    servers,
    okServers,
    summary: summarise(vip, servers, okServers),
  };
}

/** What went wrong, in a word: the status for an HTTP error, otherwise the error code. */
export function failureLabel(result: HttpProbeResult): string {
  if (result.error === undefined) return 'ok';
  return result.error.code === 'status' && result.status !== undefined ? String(result.status) : result.error.code;
}

function summarise(vip: VipPathResult['vip'], servers: readonly ServerProbe[], okServers: number): string {
  const name = printable(vip.name, 60);
  const slowest = Math.max(...vip.attempts.map((attempt) => attempt.latencyMs));
  const vipPart =
    vip.okCount === vip.attempts.length
      ? `VIP ${name} ok (${vip.attempts.length === 1 ? '' : `${vip.okCount}/${vip.attempts.length}, max `}${slowest} ms)`
      : `VIP ${name} ${vip.okCount}/${vip.attempts.length} ok: ${vip.attempts
          .filter((attempt) => !attempt.ok)
          .map(failureLabel)
          .join(', ')}`;
  if (servers.length === 0) return vipPart;
  const failures = servers.filter((server) => !server.result.ok);
  const listed = failures.slice(0, LISTED_FAILURES).map((server) => `${printable(server.name, 60)}: ${failureLabel(server.result)}`);
  if (failures.length > LISTED_FAILURES) listed.push(`+${failures.length - LISTED_FAILURES} more`);
  return `${vipPart}; ${okServers}/${servers.length} real servers ok${listed.length === 0 ? '' : `, ${listed.join(', ')}`}`;
}

/**
 * Runs at most `limit` jobs at once and keeps their order. Every job settles before the first
 * failure (a cancellation) is rethrown, so no probe is left running behind the caller's back.
 */
async function runLimited<T>(jobs: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const settled: PromiseSettledResult<T>[] = new Array<PromiseSettledResult<T>>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next;
      next += 1;
      const job = jobs[index] as () => Promise<T>;
      try {
        settled[index] = { status: 'fulfilled', value: await job() };
      } catch (error) {
        settled[index] = { status: 'rejected', reason: error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}
