import * as z from 'zod';
import { poolCapacity } from '../../core/capacity.js';
import { formatDuration } from '../../core/durations.js';
import { CutoverError } from '../../core/errors.js';
import { foldHosts } from '../../core/nodeset.js';
import { remainingApprovals } from '../../core/requests.js';
import type { Host, Inventory } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';
import type { PoolObserver } from '../../adapters/pool-observer.js';
import { describeHealth } from '../../core/plan/analysis.js';
import { withTimeout } from '../../core/with-timeout.js';
import { lvsServiceArg } from '../args.js';
import { serviceOf } from '../service-of.js';
import { defineCommand, type CommandContext } from '../spec.js';
import { pushTo } from '../../core/push-to.js';

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
    const observer = context.deps.observers?.get(name);
    for (const dc of args.dc === undefined ? inventory.datacenters : [args.dc]) {
      for (const lvsService of lvsServices) lines.push(await poolLine(context, inventory, lvsService, dc, observer));
      if (observer !== undefined) lines.push(await healthLine(inventory, dc, observer));
    }
    lines.push(await lockLine(context, name), ...(await waitingLines(context, name)));
    return lines.join('\n');
  },
});

async function poolLine(context: CommandContext, inventory: Inventory, lvsService: string, dc: string, observer: PoolObserver | undefined): Promise<string> {
  const lvs = inventory.lvsService(lvsService);
  const entries = await context.deps.pooling.listPool(inventory.pool(lvsService, dc));
  const states = new Map<string, PoolState>(entries.map((entry) => [entry.fqdn, entry.state]));
  const members: Host[] = inventory.members(lvsService, dc);
  const groups = new Map<string, string[]>();
  for (const host of members) {
    const state = states.get(host.fqdn);
    const label = state === undefined ? 'absent' : state.pooled === 'inactive' ? 'inactive' : `${state.pooled} w${state.weight}`;
    pushTo(groups, label, host.shortName);
  }
  const memberNames = new Set(members.map((host) => host.fqdn));
  const foreign = entries.filter((entry) => !memberNames.has(entry.fqdn));
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
  const pybal = observer === undefined ? '' : ` | ${await pybalSummary(observer, { dc, lvsService, port: lvs.port }, states)}`;
  return `${dc} ${lvsService}:${lvs.port} — pooled ${count('yes')}, depooled ${count('no')}, inactive ${count('inactive')}${headroom} | ${detail.join(' | ')}${pybal}`;
}

const OBSERVER_TIMEOUT_MS = 3000;

/** pybal beside conftool: ✓ where every LVS host has exactly the pooled hosts enabled and up. */
async function pybalSummary(observer: PoolObserver, pool: { dc: string; lvsService: string; port: number }, states: ReadonlyMap<string, PoolState>): Promise<string> {
  const views = await withTimeout(observer.pybal(pool).catch(() => 'error' as const), OBSERVER_TIMEOUT_MS, 'timeout' as const);
  if (views === 'timeout') return `pybal: no answer in ${OBSERVER_TIMEOUT_MS / 1000}s`;
  if (views === 'error') return 'pybal: unreadable';
  if (views === undefined) return 'pybal: not configured';
  if (views.length > 0 && views.every((view) => !view.ok && view.error === 'http-error')) {
    return `pybal: no ${pool.lvsService} pool on ${views.map((view) => view.lvsHost.split('.')[0]).join(', ')} yet (takes no traffic)`;
  }
  const expected = new Set([...states.entries()].filter(([, state]) => state.pooled === 'yes').map(([fqdn]) => fqdn));
  const perHost = views.map((view) => {
    const lvs = view.lvsHost.split('.')[0] ?? view.lvsHost;
    if (!view.ok) return `${lvs} ${view.error}`;
    const enabled = Object.entries(view.servers).filter(([, server]) => server.enabled);
    const down = enabled.filter(([, server]) => !server.up).map(([fqdn]) => fqdn.split('.')[0] ?? fqdn);
    const enabledNames = new Set(enabled.map(([fqdn]) => fqdn));
    const mismatch = [...expected].filter((fqdn) => !enabledNames.has(fqdn)).length + enabled.filter(([fqdn]) => !expected.has(fqdn)).length;
    if (mismatch > 0) return `${lvs} ✗ ${mismatch} differ from conftool`;
    return down.length > 0 ? `${lvs} ✗ down: ${down.join(' ')}` : `${lvs} ✓ ${enabled.length} enabled/up`;
  });
  return `pybal: ${perHost.join(', ')}`;
}

async function healthLine(inventory: Inventory, dc: string, observer: PoolObserver): Promise<string> {
  const lvsService = inventory.workerLvsServices[0] ?? inventory.lvsServiceNames[0] ?? '';
  const health = await withTimeout(observer.health({ dc, lvsService }).catch((error: unknown) => (error instanceof Error ? error.message : 'error')), OBSERVER_TIMEOUT_MS, 'no answer' as const);
  if (health === undefined) return `${dc} health: metrics not configured`;
  if (typeof health === 'string') return `${dc} health: unavailable (${health})`;
  const share = health.k8sShare.kind === 'value' ? `${Math.round(health.k8sShare.value * 100)}% of traffic on k8s` : 'k8s share: no data';
  return `${dc} health via ${lvsService}: ${share} · ${describeHealth(health.k8s, health.baseline)}`;
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
