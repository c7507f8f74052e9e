import type { IntegrationStatus, IntegrationsView } from '../../core/ports/integrations.js';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import type { PoolingBackend } from '../../core/ports/pooling.js';
import type { AuditReader, Clock, LockView, RequestStore } from '../../core/ports/stores.js';
import type { PlanControl, PlanProgress } from '../../core/ports/plan-control.js';
import type { WatchView } from '../../core/ports/watch.js';
import { floorNote } from '../../commands/floor-note.js';
import { pooledProofs } from '../../commands/pooled-proofs.js';
import { readObservedPool, type PoolView } from '../../commands/pool-view.js';
import { proofWords } from '../../commands/proof-words.js';
import { staleWords, watchNote } from '../../core/watch-words.js';
import type { Inventory } from '../../core/inventory.js';
import type { WatchStatus } from '../../core/watch.js';
import { analysisSettingsSchema } from '../../core/plan/analysis.js';
import { integrationProblem } from '../../core/integration-words.js';
import { printable } from '../../core/printable.js';
import { remainingApprovals } from '../../core/requests.js';
import type { HealthHistory, HealthSample } from '../../jobs/health-samples.js';

/** Everything the snapshot reads; bot/main.ts passes the same ports the chat commands use. */
export interface StatusSources {
  inventories: ReadonlyMap<string, Inventory>;
  pooling: Pick<PoolingBackend, 'kind' | 'listPool'>;
  plans: ReadonlyMap<string, PlanControl>;
  observers: ReadonlyMap<string, PoolObserver>;
  requests: Pick<RequestStore, 'open'>;
  locks: LockView;
  auditReader: AuditReader | undefined;
  history: HealthHistory;
  /** The watches and the guard's proofs; absent, the page shows neither. */
  watch?: WatchView;
  /** The configured integrations (Alertmanager, Phabricator, Grafana, cookbook locks' etcd); absent or empty, the page shows no such section. */
  integrations?: IntegrationsView | undefined;
  clock: Clock;
}

/** A part that could not be read says why, instead of taking the whole page down. */
export type Section<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PoolRow {
  lvsService: string;
  port: number;
  counts: PoolView['counts'];
  /** `note` is status's wording (commands/floor-note.ts); `warn` marks a pool that takes traffic below pybal's floor. */
  capacity: { ok: boolean; pooled: number; floor: number; total: number; note: string; warn: boolean } | null;
  groups: { group: string; kind: string; hosts: { name: string; pooled: string; weight: number | null }[] }[];
  foreign: string[];
  pybal: string | null;
  /** Each pooled Wikikube worker's proof: `words` as status says them, `summary` with every figure. */
  workers: { name: string; proof: string; words: string; summary: string }[];
}

/** A guard or soak and how long since it checked; `words` is what status says of it. */
export interface WatchRow {
  id: string;
  kind: string;
  lastCheckAt: number | null;
  sinceMs: number;
  intervalMs: number;
  staleAfterMs: number;
  stale: boolean;
  words: string;
}

export interface DcStatus {
  dc: string;
  pools: Section<PoolRow[]>;
}

export interface PendingApproval {
  id: string;
  summary: string;
  reason: string;
  requester: string;
  state: string;
  approvals: number;
  required: number;
  remaining: number;
  expiresInMs: number;
}

export interface AuditRow {
  id: string;
  at: string;
  who: string;
  event: string;
  requestId: string | null;
  detail: string;
  where: string;
}

export interface ServiceStatus {
  service: string;
  description: string | null;
  poolingKind: string;
  plan: Section<PlanProgress> | null;
  /** null when this process has no watch view. */
  watches: Section<WatchRow[]> | null;
  limits: PlanProgress['limits'];
  lock: Section<{ holder: string; requestId: string; heldForMs: number } | null>;
  datacenters: DcStatus[];
  samples: Section<HealthSample[]>;
  approvals: Section<PendingApproval[]>;
  audit: Section<AuditRow[]> | null;
}

/** One configured integration: `words` are status's (`unreachable since 20:41 (ECONNREFUSED)`), or `ok`. */
export interface IntegrationRow {
  name: string;
  state: IntegrationStatus['state'];
  since: number | null;
  error: string | null;
  waiting: number;
  words: string;
}

export interface StatusSnapshot {
  generatedAt: number;
  services: ServiceStatus[];
  /** null when nothing is configured. */
  integrations: Section<IntegrationRow[]> | null;
}

export const AUDIT_ROWS = 15;
/** Chart points per service: at one sample every 30 s, the last five hours. */
export const CHART_SAMPLES = 600;

/**
 * One read-only picture of every service: the plan and what blocks it, pool state per DC,
 * health samples for the chart, pending approvals and the audit trail. Untrusted text (people,
 * reasons, audit details) is passed through `printable` here and set as text by the page.
 */
export async function buildStatusSnapshot(sources: StatusSources): Promise<StatusSnapshot> {
  const view = sources.integrations;
  const [services, integrations] = await Promise.all([
    Promise.all([...sources.inventories.values()].map((inventory) => serviceStatus(sources, inventory))),
    view === undefined ? null : section(async () => (await view.statuses()).map(integrationRow)),
  ]);
  return { generatedAt: sources.clock.now(), services, integrations: integrations?.ok === true && integrations.value.length === 0 ? null : integrations };
}

async function serviceStatus(sources: StatusSources, inventory: Inventory): Promise<ServiceStatus> {
  const service = inventory.serviceName;
  const plan = sources.plans.get(service);
  const observer = sources.observers.get(service);
  const auditReader = sources.auditReader;
  const now = sources.clock.now();
  const watch = sources.watch;
  const [progress, watches, lock, datacenters, samples, approvals, audit] = await Promise.all([
    plan === undefined ? null : section(() => plan.progress()),
    watch === undefined ? null : section(async () => (await watch.watches(service)).map(watchRow)),
    section(async () => {
      const held = await sources.locks.current(service);
      return held === undefined ? null : { holder: printable(held.holder, 80), requestId: held.requestId, heldForMs: now - held.since };
    }),
    Promise.all(inventory.datacenters.map(async (dc) => ({ dc, pools: await section(() => poolRows(sources, inventory, dc, observer)) }))),
    section(() => sources.history.recent(service, CHART_SAMPLES)),
    section(() => pendingApprovals(sources, service, now)),
    auditReader === undefined ? null : section(() => auditRows(auditReader, service)),
  ]);
  const defaults = analysisSettingsSchema.parse({});
  return {
    service,
    description: inventory.description ?? null,
    poolingKind: sources.pooling.kind,
    plan: progress,
    watches,
    limits: progress?.ok === true ? progress.value.limits : { errorRatioMax: defaults.error_ratio.max, p99SecondsMax: defaults.p99_seconds.max },
    lock,
    datacenters,
    samples,
    approvals,
    audit,
  };
}

async function poolRows(sources: StatusSources, inventory: Inventory, dc: string, observer: PoolObserver | undefined): Promise<PoolRow[]> {
  return Promise.all(
    inventory.lvsServiceNames.map(async (lvsService) => {
      const { view, pybal } = await readObservedPool(sources.pooling, inventory, lvsService, dc, observer);
      const groups = new Map<string, PoolRow['groups'][number]>();
      for (const member of view.members) {
        const group = groups.get(member.group) ?? { group: member.group, kind: member.kind, hosts: [] };
        group.hosts.push({ name: member.shortName, pooled: member.state?.pooled ?? 'absent', weight: member.state?.weight ?? null });
        groups.set(member.group, group);
      }
      const capacity = view.capacity;
      const note = floorNote(view, pybal?.takesTraffic ?? true);
      const proofs = sources.watch === undefined ? [] : await pooledProofs(sources.watch, inventory.serviceName, inventory.pool(lvsService, dc), view);
      return {
        lvsService,
        port: view.port,
        counts: view.counts,
        capacity: capacity === undefined || note === undefined ? null : { ok: capacity.ok, pooled: capacity.pooledAfter, floor: capacity.floor, total: capacity.totalAfter, note: note.text, warn: note.warn },
        groups: [...groups.values()],
        foreign: view.foreign.map((fqdn) => printable(fqdn, 120)),
        pybal: pybal === undefined ? null : pybal.text,
        workers: proofs.map((worker) => ({ name: worker.fqdn.split('.')[0] ?? worker.fqdn, proof: worker.proof.kind, words: proofWords(worker), summary: printable(worker.proof.summary, 300) })),
      };
    }),
  );
}

function integrationRow(status: IntegrationStatus): IntegrationRow {
  const problem = integrationProblem(status);
  return {
    name: status.name,
    state: status.state,
    since: status.since ?? null,
    error: status.error === undefined ? null : printable(status.error, 200),
    waiting: status.backlog?.waiting ?? 0,
    words: problem === undefined ? status.state : printable(problem.slice(status.name.length + 1), 300),
  };
}

function watchRow(watch: WatchStatus): WatchRow {
  const { id, kind, sinceMs, intervalMs, staleAfterMs, stale } = watch;
  return { id, kind, lastCheckAt: watch.lastCheckAt ?? null, sinceMs, intervalMs, staleAfterMs, stale, words: stale ? staleWords(watch) : watchNote(watch) };
}

async function pendingApprovals(sources: StatusSources, service: string, now: number): Promise<PendingApproval[]> {
  const open = await sources.requests.open(service);
  return open.map((request) => ({
    id: request.id,
    summary: printable(request.summary, 200),
    reason: printable(request.reason, 200),
    requester: printable(request.requester.display, 64),
    state: request.state,
    approvals: request.approvals.length,
    required: request.approvalsRequired,
    remaining: remainingApprovals(request),
    expiresInMs: request.expiresAt - now,
  }));
}

async function auditRows(reader: AuditReader, service: string): Promise<AuditRow[]> {
  const records = await reader.recent({ service, limit: AUDIT_ROWS });
  return records.map((record) => ({
    id: record.id,
    at: record.at,
    who: printable(record.as === undefined ? record.who : `${record.who} (${record.as})`, 110),
    event: printable(record.event, 64),
    requestId: record.requestId === undefined ? null : printable(record.requestId, 16),
    detail: printable(record.detail, 300),
    where: printable(record.where, 80),
  }));
}

async function section<T>(read: () => Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error: printable(error instanceof Error ? error.message : String(error), 300) };
  }
}
