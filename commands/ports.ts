import type { PoolObserver } from '../adapters/pool-observer.js';
import type { PoolingBackend } from '../adapters/pooling.js';
import type { Caller } from '../core/access.js';
import type { ChangeRequest } from '../core/requests.js';
import type { PoolRef } from '../core/inventory.js';
import type { PolicyChange, PolicyPurpose, PolicyVerdict } from '../core/policy/pool-policy.js';
import type { WorkerProof } from '../core/policy/worker-proof.js';
import type { RequestInput } from '../core/request-draft.js';
import type { RequestNotice } from '../core/request-notice.js';
import type { WatchStatus } from '../core/watch.js';

/**
 * What the decision layer needs from the outside world. Implementations live in jobs/ and
 * adapters/ and are wired in bot/main.ts; tests pass the same real ones against real Redis.
 */
export interface RequestStore {
  /** Stores a new request under a fresh short id. */
  create(draft: Omit<ChangeRequest, 'id'>): Promise<ChangeRequest>;
  get(id: string): Promise<ChangeRequest | undefined>;
  /** Applies `change` atomically: it is re-run on the fresh value if someone else wrote in between. */
  update(id: string, change: (current: ChangeRequest) => ChangeRequest): Promise<ChangeRequest>;
  recent(service: string, limit: number): Promise<ChangeRequest[]>;
  open(service: string): Promise<ChangeRequest[]>;
}

export interface ActionQueue {
  /** Queues an approved request for a worker; idempotent per request id. */
  enqueue(request: ChangeRequest): Promise<void>;
  /** Arranges for the request to expire at its deadline, in Redis rather than an in-memory timer. */
  scheduleExpiry(request: ChangeRequest): Promise<void>;
}

/** A request as filed, and the people who could approve it: what its announcement is worded from. */
export interface FiledRequest {
  request: ChangeRequest;
  approvers: readonly string[];
}

/**
 * The one way a request is filed, whatever it changes: built by core/request-draft.ts, stored,
 * its expiry scheduled (or, needing no approval, queued at once), and `request.created` audited.
 */
export interface RequestFiling {
  file(input: RequestInput): Promise<FiledRequest>;
}

export interface LockInfo {
  holder: string;
  requestId: string;
  since: number;
}

export interface LockView {
  current(service: string): Promise<LockInfo | undefined>;
}

export interface AuditEntry {
  event: string;
  service: string;
  who: string;
  where: string;
  requestId?: string;
  detail: string;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
}

export interface AuditRecord extends AuditEntry {
  /** The stream id: when, to the millisecond, and unique. */
  id: string;
  at: string;
}

export interface AuditFilter {
  service: string;
  who?: string;
  /** An event name or its prefix, e.g. `approval` or `action.failed`. */
  event?: string;
  requestId?: string;
  limit: number;
}

export interface AuditReader {
  /** Newest first. */
  recent(filter: AuditFilter): Promise<AuditRecord[]>;
}

export interface Clock {
  now(): number;
}

/** Where a plan's progress is reported: the channel its last command came from. */
export interface PlanOrigin {
  transport: string;
  channel: string;
}

/** How far a DC got through one step; `current` and `paused` mark where the plan stands. */
export type StepMark = 'done' | 'partial' | 'current' | 'paused' | 'todo';

/** Where the plan stands, as data: `plan` prints it, the status page draws it. */
export interface PlanProgress {
  plan: string;
  task?: string;
  phase: string;
  /** e.g. "eqiad step 5/8 first-worker". */
  position: string;
  datacenters: { dc: string; steps: { id: string; title: string; mark: StepMark }[] }[];
  /** What the plan waits for, in one sentence. */
  blocking: string;
  /** The plan's health limits (its analysis settings), for anyone showing the numbers. */
  limits: { errorRatioMax: number; p99SecondsMax: number };
}

/** Where a person left the plan (paused, aborted, resumed) and who: commands/ words it. */
export interface PlanHeld {
  plan: string;
  /** e.g. "eqiad step 5/8 first-worker". */
  position: string;
  phase: string;
  by: string;
}

/** A paused plan going on, or (after an inconclusive check) its step checked again first. */
export type PlanResumed = ({ kind: 'resumed' } & PlanHeld) | { kind: 'rechecked'; plan: string; by: string; dc: string; stepId: string; result: string };

/**
 * The migration plan as the commands see it. Every call returns data and commands/ words it;
 * the mutating ones file requests the one way every request is filed (RequestFiling). With
 * `dryRun` a request is built and shown exactly as it would be filed, and nothing is filed.
 */
export interface PlanControl {
  readonly service: string;
  progress(): Promise<PlanProgress>;
  requestNext(caller: Caller, options: { rollout: boolean; reason: string; task?: string; dryRun?: boolean }): Promise<RequestNotice>;
  requestRollback(caller: Caller, reason: string, options?: { dryRun?: boolean }): Promise<RequestNotice>;
  emergencyStop(caller: Caller, reason: string, options?: { dryRun?: boolean }): Promise<RequestNotice>;
  pause(caller: Caller, reason: string): Promise<PlanHeld>;
  resume(caller: Caller): Promise<PlanResumed>;
  abort(caller: Caller, reason: string): Promise<PlanHeld>;
}

/** Fault injection on the simulated fleet; absent with production backends. */
export interface SimulationControl {
  show(): Promise<string>;
  clear(): Promise<string>;
  breakHosts(fqdns: readonly string[]): Promise<string>;
  /** Hosts whose TLS certificate lacks the public name: pybal's checks pass, real requests fail. */
  wrongCert(fqdns: readonly string[]): Promise<string>;
  slowUnderLoad(shareAbove: number, p99Seconds: number): Promise<string>;
  noMetrics(on: boolean): Promise<string>;
  hang(adapter: string): Promise<string>;
  /** Someone outside the bot repools a host, as a k8s cookbook would. */
  outsideRepool(fqdn: string, lvsService: string): Promise<string>;
}

/**
 * The pool policy as a request sees it: the same judgement the writer makes again right before
 * the write (jobs/pool-writer.ts), with the workers' proofs that went into it.
 */
export interface PoolPolicyGate {
  evaluate(service: string, pool: PoolRef, changes: readonly PolicyChange[], purpose: PolicyPurpose): Promise<{ verdict: PolicyVerdict; proofs: ReadonlyMap<string, WorkerProof> }>;
}

/** The limits k8s health is judged by: the plan's analysis, or its defaults without a plan. */
export type HealthLimits = PlanProgress['limits'];

/** What real traffic has shown of one worker in one pool, as the guard recorded it. */
export interface WorkerProofStatus {
  fqdn: string;
  proof: WorkerProof;
  /** For `serving`: how long it has served real requests without a failure so far. */
  servedMs: number | undefined;
  /** How long it must serve them to count as capacity. */
  proveMs: number;
  lastCheckAt: number | undefined;
}

/**
 * The watches (the guard, a soak) and the guard's proof records, as data for `status` and the
 * status page: 2025-02-17's `status` showed 5xx 100.0% beside pooled broken workers without a word.
 */
export interface WatchView {
  /** Every watch of the service, with how long since it last checked. */
  watches(service: string): Promise<WatchStatus[]>;
  /** The workers the guard has a record of in this pool; a pooled worker missing here is unchecked. */
  workers(service: string, pool: PoolRef): Promise<WorkerProofStatus[]>;
  limits(service: string): HealthLimits;
}

export interface CommandDeps {
  requests: RequestStore;
  queue: ActionQueue;
  filer: RequestFiling;
  pooling: Pick<PoolingBackend, 'kind' | 'listPool' | 'get'>;
  policy: PoolPolicyGate;
  locks: LockView;
  audit: AuditLog;
  clock: Clock;
  /** Plans by service; a service without a plan has no plan commands. */
  plans?: ReadonlyMap<string, PlanControl>;
  simulations?: ReadonlyMap<string, SimulationControl>;
  auditReader?: AuditReader;
  /** pybal's and the metrics' view of each service's pools, for status. */
  observers?: ReadonlyMap<string, PoolObserver>;
  /** Watches and worker proofs, for status. */
  watch?: WatchView;
}
