import { windowNote } from '../../core/change-window.js';
import * as z from 'zod';
import { formatDuration } from '../../core/durations.js';
import { describeShare } from '../../core/health-now.js';
import { CutoverError } from '../../core/errors.js';
import { foldHosts } from '../../core/nodeset.js';
import { remainingApprovals } from '../../core/requests.js';
import type { Inventory } from '../../core/inventory.js';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import { observeHealth, type ObservedHealth } from '../../core/observe-health.js';
import { analysisSettingsSchema, describeHealth, percent, rate, seconds, show } from '../../core/plan/analysis.js';
import { staleWords, watchNote } from '../../core/watch-words.js';
import type { WatchStatus } from '../../core/watch.js';
import { cookbookLockNote } from '../cookbook-lock-note.js';
import { integrationsNote } from '../integrations-note.js';
import { leadershipNote } from '../leadership-note.js';
import { floorNote } from '../floor-note.js';
import { breachWarning } from '../health-warning.js';
import { pooledProofs, pooledWorkers } from '../pooled-proofs.js';
import { proofsText } from '../proof-words.js';
import { readObservedPool, readPoolView, type ObservedPool, type PoolView, type PybalSummary } from '../pool-view.js';
import { SingleFlight } from '../../core/single-flight.js';
import type { HealthLimits } from '../../core/ports/watch.js';
import { arg } from '../arg.js';
import { lvsServiceArg } from '../args.js';
import { serviceOf } from '../service-of.js';
import { detailAnswer } from '../outcome.js';
import { defineCommand, type CommandContext } from '../spec.js';
import { pushTo } from '../../core/push-to.js';

/** Per bot (its deps): two bots in one process (tests, the bench) must never share a read. */
const flights = new WeakMap<object, SingleFlight<string>>();

/**
 * In a channel `status` is at most four lines: one per DC with each pool's pooled count per host
 * group and pybal's ✓/✗, that DC's health (or its ⚠), and a line for the lock, the watches and
 * what is waiting. `--dc`, `--service` or `--full` give the whole view (a line per pool with its
 * hosts folded, pybal per LVS host, each worker's proof), as does the status page: `--full`, and
 * `--dc`/`--service` when longer than a channel's 4 lines, to the asker alone.
 */
export const statusCommand = defineCommand({
  name: 'status',
  summary: 'pool state per DC in one line each, the lock and what is waiting; --dc/--service/--full for every pool and host',
  args: { dc: arg.flag(z.string().max(20).optional()), service: arg.flag(lvsServiceArg.optional(), 'LVS'), full: arg.switch() },
  access: 'read',
  scope: 'service',
  mutates: false,
  async run(args, context) {
    const { name, inventory } = serviceOf(context);
    if (args.dc !== undefined && !inventory.datacenters.includes(args.dc)) {
      throw new CutoverError('input.invalid', `Unknown datacenter; known: ${inventory.datacenters.join(', ')}.`);
    }
    const brief = args.dc === undefined && args.service === undefined && args.full !== true;
    // The answer names nobody, so everyone asking while it is read shares it.
    const shared = flights.get(context.deps) ?? new SingleFlight<string>();
    flights.set(context.deps, shared);
    const key = [name, args.dc ?? '', args.service ?? '', brief ? 'brief' : 'full'].join('\u0000');
    const text = await shared.run(key, () => (brief ? briefStatus(context, name, inventory) : fullStatus(context, name, inventory, args.dc, args.service)));
    // The brief form is the channel's; the detail is the asker's (commands/outcome.ts Audience).
    if (brief) return text;
    return args.full === true ? { kind: 'ok', text, audience: 'asker' } : detailAnswer(text);
  },
});

async function fullStatus(context: CommandContext, name: string, inventory: Inventory, onlyDc: string | undefined, onlyService: string | undefined): Promise<string> {
  const lvsServices = onlyService === undefined ? inventory.lvsServiceNames : [onlyService];
  const watches = (await context.deps.watch?.watches(name)) ?? [];
  // A watch that stopped checking goes first: everything below is unguarded until it is back.
  const lines = [`${name} · pool state from ${context.deps.pooling.kind} conftool`, ...watches.filter((watch) => watch.stale).map((watch) => staleWords(watch)), ...(await integrationsNote(context.deps.integrations))];
  const observer = context.deps.observers?.get(name);
  const sections = await Promise.all((onlyDc === undefined ? inventory.datacenters : [onlyDc]).map((dc) => fullDcLines(context, inventory, lvsServices, dc, observer)));
  lines.push(...sections.flat());
  const cookbooks = await cookbookLockNote(context.deps.cookbookLocks, inventory);
  lines.push(await lockLine(context, name, watches), ...(cookbooks === undefined ? [] : [cookbooks]), ...(await waitingLines(context, name)));
  return lines.join('\n');
}

/** One DC's pools in full, its health and its ⚠; conftool, pybal and health asked at once: the slowest answer, not their sum. */
async function fullDcLines(context: CommandContext, inventory: Inventory, lvsServices: readonly string[], dc: string, observer: PoolObserver | undefined): Promise<string[]> {
  const [read, health] = await Promise.all([
    Promise.all(lvsServices.map((lvsService) => readObservedPool(context.deps.pooling, inventory, lvsService, dc, observer))),
    observer === undefined ? undefined : observeHealth(observer, inventory, dc),
  ]);
  const lines = await Promise.all(read.map((pool) => poolLine(context, inventory, pool)));
  if (health === undefined) return lines;
  const warning = await healthWarning(context, inventory, dc, health, new Map(read.map(({ view }) => [view.lvsService, view])));
  return [...lines, healthLine(dc, health), ...(warning === undefined ? [] : [warning])];
}

/** The channel's form: a line per DC, then the lock, watches and waiting requests; a stopped watch first. */
async function briefStatus(context: CommandContext, name: string, inventory: Inventory): Promise<string> {
  const observer = context.deps.observers?.get(name);
  const [watches, dcLines, lock, open, cookbooks, leader] = await Promise.all([
    context.deps.watch?.watches(name) ?? Promise.resolve([]),
    Promise.all(inventory.datacenters.map((dc) => briefDcLine(context, inventory, name, dc, observer))),
    context.deps.locks.current(name),
    context.deps.requests.open(name),
    cookbookLockNote(context.deps.cookbookLocks, inventory),
    leadershipNote(context.deps.leadership),
  ]);
  const stale = [...watches.filter((watch) => watch.stale).map((watch) => staleWords(watch)), ...(await integrationsNote(context.deps.integrations))];
  const lockWords = lock === undefined ? 'lock free' : `lock held by ${lock.requestId} (${lock.holder}) for ${formatDuration(context.deps.clock.now() - lock.since)}`;
  const window = windowNote(context.config.change_windows, context.deps.clock.now());
  const live = watches.filter((watch) => !watch.stale).map((watch) => watchNote(watch));
  const waiting = open.length === 0 ? 'nothing waiting' : `waiting ${open.length}: ${open.map((request) => `${request.id} ${request.state === 'pending' ? `needs ${remainingApprovals(request)}` : request.state}`).join(', ')}`;
  const more = `more: !${name} status --dc DC | --service LVS | --full`;
  return [...(stale.length > 0 ? [stale.join(' · ')] : []), ...dcLines, [lockWords, ...(cookbooks === undefined ? [] : [cookbooks]), ...(window === undefined ? [] : [window]), ...live, waiting, ...(leader === undefined ? [] : [leader]), more].join(' · ')].join('\n');
}

/**
 * `kartotherian eqiad · kartotherian-ssl maps 6/6 pybal ✓ · … · k8s 15% of traffic, 5xx 0.10% · p99 300ms · 120 req/s`: pooled/members per group.
 * conftool, pybal and health asked at once: the slowest answer, not their sum.
 */
async function briefDcLine(context: CommandContext, inventory: Inventory, name: string, dc: string, observer: PoolObserver | undefined): Promise<string> {
  const [read, health] = await Promise.all([
    Promise.all(inventory.lvsServiceNames.map((lvsService) => readObservedPool(context.deps.pooling, inventory, lvsService, dc, observer))),
    observer === undefined ? undefined : observeHealth(observer, inventory, dc),
  ]);
  const parts = [`${name} ${dc}`, ...read.map(briefPool)];
  if (health !== undefined) {
    parts.push(briefHealth(health));
    const warning = await healthWarning(context, inventory, dc, health, new Map(read.map(({ view }) => [view.lvsService, view])));
    if (warning !== undefined) parts[0] = `⚠ ${name} ${dc}: k8s over its limits with workers pooled (--dc ${dc} for the way out)`;
  }
  return parts.join(' · ');
}

function briefPool({ view, pybal }: ObservedPool): string {
  const groups = new Map<string, { yes: number; all: number }>();
  for (const host of view.members) {
    const group = groups.get(host.group) ?? { yes: 0, all: 0 };
    group.all += 1;
    if (host.state?.pooled === 'yes') group.yes += 1;
    groups.set(host.group, group);
  }
  const counts = [...groups].map(([group, { yes, all }]) => `${group} ${yes}/${all}`);
  if (view.foreign.length > 0) counts.push(`+${view.foreign.length} not in inventory`);
  const note = floorNote(view, pybal?.takesTraffic ?? true);
  const warn = note?.warn === true ? ` ${note.text.split(' · ')[0] ?? ''}` : '';
  const mark = pybal === undefined ? undefined : pybalMark(pybal);
  return `${view.lvsService} ${counts.join(' ')}${mark === undefined ? '' : ` pybal ${mark}`}${warn}`;
}

/** ✓ where every LVS host serves exactly conftool's pooled hosts; what differs is behind `--dc`. */
function pybalMark(pybal: PybalSummary): string | undefined {
  if (pybal.text === 'pybal: not configured') return undefined;
  if (!pybal.takesTraffic) return '– (no pool yet)';
  return /✗|unreadable|no answer|error|timeout/.test(pybal.text) ? '✗' : '✓';
}

function briefHealth(health: ObservedHealth): string {
  if (health.kind === 'not-configured') return 'health: metrics not configured';
  if (health.kind === 'unavailable') return `health: unavailable (${health.reason})`;
  const { k8sShare, k8s } = health.snapshot;
  return `${describeShare(k8sShare, 'on k8s')} · 5xx ${show(k8s.errorRatio, percent)} · p99 ${show(k8s.p99Seconds, seconds)} · ${show(k8s.requestRate, rate)}`;
}

async function poolLine(context: CommandContext, inventory: Inventory, { view, pybal }: ObservedPool): Promise<string> {
  const groups = new Map<string, string[]>();
  for (const host of view.members) {
    const state = host.state;
    const label = state === undefined ? 'absent' : state.pooled === 'inactive' ? 'inactive' : `${state.pooled} w${state.weight}`;
    pushTo(groups, label, host.shortName);
  }
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
  const window = windowNote(context.config.change_windows, context.deps.clock.now());
  const notes = [...(window === undefined ? [] : [window]), ...watches.filter((watch) => !watch.stale).map((watch) => watchNote(watch))].map((note) => ` · ${note}`).join('');
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
