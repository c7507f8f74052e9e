import * as z from 'zod';
import { poolCapacity } from '../../core/capacity.js';
import { formatDuration } from '../../core/durations.js';
import { CutoverError } from '../../core/errors.js';
import { foldHosts } from '../../core/nodeset.js';
import { remainingApprovals } from '../../core/requests.js';
import type { Host, Inventory } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';
import { lvsServiceArg } from '../args.js';
import { serviceOf } from '../service-of.js';
import { defineCommand, type CommandContext } from '../spec.js';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'pool state per LVS service and DC, the lock, and what is waiting',
  usage: 'status [--dc DC] [--service LVS]',
  positionals: [],
  flags: { dc: 'string', service: 'string' },
  access: 'read',
  scope: 'service',
  mutates: false,
  args: z.strictObject({ dc: z.string().max(20).optional(), service: lvsServiceArg.optional() }),
  async run(args, context) {
    const { name, inventory } = serviceOf(context);
    if (args.dc !== undefined && !inventory.datacenters.includes(args.dc)) {
      throw new CutoverError('input.invalid', `Unknown datacenter; known: ${inventory.datacenters.join(', ')}.`);
    }
    const lvsServices = args.service === undefined ? inventory.lvsServiceNames : [args.service];
    const lines = [`${name} · pool state from ${context.deps.pooling.kind} conftool`];
    for (const dc of args.dc === undefined ? inventory.datacenters : [args.dc]) {
      for (const lvsService of lvsServices) lines.push(await poolLine(context, inventory, lvsService, dc));
    }
    lines.push(await lockLine(context, name), ...(await waitingLines(context, name)));
    return lines.join('\n');
  },
});

async function poolLine(context: CommandContext, inventory: Inventory, lvsService: string, dc: string): Promise<string> {
  const lvs = inventory.lvsService(lvsService);
  const entries = await context.deps.pooling.listPool(inventory.pool(lvsService, dc));
  const states = new Map<string, PoolState>(entries.map((entry) => [entry.fqdn, entry.state]));
  const members: Host[] = inventory.members(lvsService, dc);
  const groups = new Map<string, string[]>();
  for (const host of members) {
    const state = states.get(host.fqdn);
    const label = state === undefined ? 'absent' : state.pooled === 'inactive' ? 'inactive' : `${state.pooled} w${state.weight}`;
    groups.set(label, [...(groups.get(label) ?? []), host.shortName]);
  }
  const foreign = entries.filter((entry) => !members.some((host) => host.fqdn === entry.fqdn));
  const count = (pooled: PoolState['pooled']): number => [...states.values()].filter((state) => state.pooled === pooled).length;
  const capacity = poolCapacity(states.values(), lvs.depool_threshold);
  const headroom =
    entries.length === 0
      ? ''
      : capacity.ok
        ? ` · may lose ${capacity.pooledAfter - capacity.floor} (floor ${capacity.floor}/${capacity.totalAfter})`
        : ` · ⚠ BELOW FLOOR: ${capacity.pooledAfter} pooled, needs ${capacity.floor}/${capacity.totalAfter}`;
  const order = ['yes', 'no', 'inactive', 'absent'];
  const detail = [...groups.entries()]
    .sort(([a], [b]) => order.findIndex((o) => a.startsWith(o)) - order.findIndex((o) => b.startsWith(o)))
    .map(([label, hosts]) => `${label}: ${foldHosts(hosts)}`);
  if (foreign.length > 0) detail.push(`not in inventory: ${foldHosts(foreign.map((entry) => entry.fqdn))}`);
  return `${dc} ${lvsService}:${lvs.port} — pooled ${count('yes')}, depooled ${count('no')}, inactive ${count('inactive')}${headroom} | ${detail.join(' | ')}`;
}

async function lockLine(context: CommandContext, service: string): Promise<string> {
  const lock = await context.deps.locks.current(service);
  if (lock === undefined) return 'lock: free';
  return `lock: held by ${lock.requestId} (${lock.holder}) for ${formatDuration(context.deps.clock.now() - lock.since)}`;
}

async function waitingLines(context: CommandContext, service: string): Promise<string[]> {
  const now = context.deps.clock.now();
  const open = await context.deps.requests.open(service);
  if (open.length === 0) return ['waiting: nothing'];
  return open.map((request) => {
    const state =
      request.state === 'pending'
        ? `needs ${remainingApprovals(request)} approval, expires in ${formatDuration(request.expiresAt - now)}`
        : request.state;
    return `waiting: ${request.id} ${request.summary} · ${request.requester.display} · ${state}`;
  });
}
