import * as z from 'zod';
import { formatDuration } from '../../core/durations.js';
import { describeShare } from '../../core/health-now.js';
import { CutoverError } from '../../core/errors.js';
import { foldHosts } from '../../core/nodeset.js';
import { remainingApprovals } from '../../core/requests.js';
import type { Inventory } from '../../core/inventory.js';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import { observeHealth, type ObservedHealth } from '../../core/observe-health.js';
import { analysisSettingsSchema, describeHealth } from '../../core/plan/analysis.js';
import { staleWords, watchNote } from '../../core/watch-words.js';
import type { WatchStatus } from '../../core/watch.js';
import { floorNote } from '../floor-note.js';
import { breachWarning } from '../health-warning.js';
import { pooledProofs, pooledWorkers } from '../pooled-proofs.js';
import { proofsText } from '../proof-words.js';
import { pybalSummary, readPoolView, type PoolView } from '../pool-view.js';
import type { HealthLimits } from '../../core/ports/watch.js';
import { arg } from '../arg.js';
import { lvsServiceArg } from '../args.js';
import { serviceOf } from '../service-of.js';
import { defineCommand, type CommandContext } from '../spec.js';
import { pushTo } from '../../core/push-to.js';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'pool state per LVS service and DC, the lock, and what is waiting',
  args: { dc: arg.flag(z.string().max(20).optional()), service: arg.flag(lvsServiceArg.optional(), 'LVS') },
  access: 'read',
  scope: 'service',
  mutates: false,
  async run(args, context) {
    const { name, inventory } = serviceOf(context);
    if (args.dc !== undefined && !inventory.datacenters.includes(args.dc)) {
      throw new CutoverError('input.invalid', `Unknown datacenter; known: ${inventory.datacenters.join(', ')}.`);
    }
    const lvsServices = args.service === undefined ? inventory.lvsServiceNames : [args.service];
    const watches = (await context.deps.watch?.watches(name)) ?? [];
    // A watch that stopped checking goes first: everything below is unguarded until it is back.
    const lines = [`${name} · pool state from ${context.deps.pooling.kind} conftool`, ...watches.filter((watch) => watch.stale).map((watch) => staleWords(watch))];
    const observer = context.deps.observers?.get(name);
    for (const dc of args.dc === undefined ? inventory.datacenters : [args.dc]) {
      const views = new Map<string, PoolView>();
      for (const lvsService of lvsServices) {
        const view = await readPoolView(context.deps.pooling, inventory, lvsService, dc);
        views.set(lvsService, view);
        lines.push(await poolLine(context, inventory, view, observer));
      }
      if (observer === undefined) continue;
      const health = await observeHealth(observer, inventory, dc);
      lines.push(healthLine(dc, health));
      const warning = await healthWarning(context, inventory, dc, health, views);
      if (warning !== undefined) lines.push(warning);
    }
    lines.push(await lockLine(context, name, watches), ...(await waitingLines(context, name)));
    return lines.join('\n');
  },
});

async function poolLine(context: CommandContext, inventory: Inventory, view: PoolView, observer: PoolObserver | undefined): Promise<string> {
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
  if (pybal !== undefined) detail.push(pybal.text);
  // Folded into the pool line: IRC airtime is a line per worker otherwise.
  const watch = context.deps.watch;
  const proofs = watch === undefined ? [] : await pooledProofs(watch, inventory.serviceName, inventory.pool(view.lvsService, view.dc), view);
  if (proofs.length > 0) detail.push(`workers: ${proofsText(proofs)}`);
  return `${view.dc} ${view.lvsService}:${view.port} — pooled ${view.counts.yes}, depooled ${view.counts.no}, inactive ${view.counts.inactive}${headroom} | ${detail.join(' | ')}`;
}

function healthLine(dc: string, health: ObservedHealth): string {
  if (health.kind === 'not-configured') return `${dc} health: metrics not configured`;
  if (health.kind === 'unavailable') return `${dc} health: unavailable (${health.reason})`;
  const { k8sShare, k8s, baseline } = health.snapshot;
  return `${dc} health via ${health.lvsService}: ${describeShare(k8sShare, 'of traffic on k8s')} · ${describeHealth(k8s, baseline)}`;
}

/** ⚠ when k8s is over the limits while workers are pooled in the DC, whichever pools status was asked for. */
async function healthWarning(context: CommandContext, inventory: Inventory, dc: string, health: ObservedHealth, views: ReadonlyMap<string, PoolView>): Promise<string | undefined> {
  if (health.kind !== 'ok') return undefined;
  const service = inventory.serviceName;
  const workers = new Set<string>();
  for (const lvsService of inventory.workerLvsServices) {
    const view = views.get(lvsService) ?? (await readPoolView(context.deps.pooling, inventory, lvsService, dc));
    for (const name of pooledWorkers(view)) workers.add(name);
  }
  const way = context.deps.plans?.has(service) === true ? `!${service} emergency-stop puts bare metal back first` : `repool bare metal, then !${service} depool the workers`;
  return breachWarning(dc, health.snapshot, limitsOf(context, service), [...workers], way);
}

function limitsOf(context: CommandContext, service: string): HealthLimits {
  const limits = context.deps.watch?.limits(service);
  if (limits !== undefined) return limits;
  const defaults = analysisSettingsSchema.parse({});
  return { errorRatioMax: defaults.error_ratio.max, p99SecondsMax: defaults.p99_seconds.max };
}

/** The lock, with the watches that are checking as they should (stale ones have their own ⚠ line). */
async function lockLine(context: CommandContext, service: string, watches: readonly WatchStatus[]): Promise<string> {
  const lock = await context.deps.locks.current(service);
  const notes = watches.filter((watch) => !watch.stale).map((watch) => ` · ${watchNote(watch)}`).join('');
  if (lock === undefined) return `lock: free${notes}`;
  return `lock: held by ${lock.requestId} (${lock.holder}) for ${formatDuration(context.deps.clock.now() - lock.since)}${notes}`;
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
