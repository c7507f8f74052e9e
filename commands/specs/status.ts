import * as z from 'zod';
import { formatDuration } from '../../core/durations.js';
import { CutoverError } from '../../core/errors.js';
import { foldHosts } from '../../core/nodeset.js';
import { remainingApprovals } from '../../core/requests.js';
import type { Inventory } from '../../core/inventory.js';
import type { PoolObserver } from '../../adapters/pool-observer.js';
import { observeHealth } from '../../adapters/observe-health.js';
import { describeHealth } from '../../core/plan/analysis.js';
import { floorNote } from '../floor-note.js';
import { pybalSummary, readPoolView } from '../pool-view.js';
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
  const view = await readPoolView(context.deps.pooling, inventory, lvsService, dc);
  const groups = new Map<string, string[]>();
  for (const host of view.members) {
    const state = host.state;
    const label = state === undefined ? 'absent' : state.pooled === 'inactive' ? 'inactive' : `${state.pooled} w${state.weight}`;
    pushTo(groups, label, host.shortName);
  }
  const pybal = observer === undefined ? undefined : await pybalSummary(observer, view);
  const note = floorNote(view, pybal?.takesTraffic ?? true);
  const headroom = note === undefined ? '' : ` · ${note.text}`;
  const order = ['yes', 'no', 'inactive', 'absent'];
  const detail = [...groups.entries()]
    .sort(([a], [b]) => order.findIndex((o) => a.startsWith(o)) - order.findIndex((o) => b.startsWith(o)))
    .map(([label, hosts]) => `${label}: ${foldHosts(hosts)}`);
  if (view.foreign.length > 0) detail.push(`not in inventory: ${foldHosts(view.foreign)}`);
  return `${dc} ${lvsService}:${view.port} — pooled ${view.counts.yes}, depooled ${view.counts.no}, inactive ${view.counts.inactive}${headroom} | ${detail.join(' | ')}${pybal === undefined ? '' : ` | ${pybal.text}`}`;
}

async function healthLine(inventory: Inventory, dc: string, observer: PoolObserver): Promise<string> {
  const health = await observeHealth(observer, inventory, dc);
  if (health.kind === 'not-configured') return `${dc} health: metrics not configured`;
  if (health.kind === 'unavailable') return `${dc} health: unavailable (${health.reason})`;
  const { k8sShare, k8s, baseline } = health.snapshot;
  const share = k8sShare.kind === 'value' ? `${Math.round(k8sShare.value * 100)}% of traffic on k8s` : 'k8s share: no data';
  return `${dc} health via ${health.lvsService}: ${share} · ${describeHealth(k8s, baseline)}`;
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
