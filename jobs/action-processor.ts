import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { PoolEntry, PoolingBackend } from '../core/ports/pooling.js';
import type { AuditLog, Clock, RequestStore } from '../core/ports/stores.js';
import type { PoolObserver } from '../core/ports/pool-observer.js';
import type { PlanStepAction } from '../core/actions.js';
import type { ChangeRecorder } from '../core/ports/change-records.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { isTerminal, transition, type ChangeRequest } from '../core/requests.js';
import { checkChangeWindow } from '../core/change-gate.js';
import type { ChangeWindows } from '../core/change-window.js';
import type { RequestJobData } from './bullmq-action-queue.js';
import { runSetPooled, type ExecutionResult } from './run-set-pooled.js';
import type { Notifier } from './notifier.js';
import type { PoolWriter } from './pool-writer.js';
import type { ServiceLocks } from './service-lock.js';
import type { FenceScope } from './fence-scope.js';

export interface ActionProcessorDeps {
  requests: RequestStore;
  locks: ServiceLocks;
  audit: AuditLog;
  notifier: Notifier;
  /** Reads, for the pool as it is after a change; every write goes through `writer`. */
  pooling: Pick<PoolingBackend, 'kind' | 'listPool'>;
  writer: PoolWriter;
  inventories: ReadonlyMap<string, Inventory>;
  clock: Clock;
  /** Longer than any single action; bounds how long a crashed worker blocks the service. */
  lockTtlMs: number;
  /** How soon a request that found the service locked looks again. */
  lockRetryMs: number;
  log: (message: string, error?: unknown) => void;
  /** pybal's view per service, to confirm every LVS applied a pool change. */
  observers?: ReadonlyMap<string, PoolObserver>;
  /** Told when an action ends, for the bot's own metrics. */
  onFinished?: (kind: string, state: 'succeeded' | 'noop' | 'failed', seconds: number, errorCode?: string) => void;
  /** Phabricator comments and Grafana annotations of each hand change, when configured. */
  records?: ChangeRecorder | undefined;
  /** The config's change windows and freezes, judged again as each request starts (core/change-gate.ts). */
  changeWindows?: ChangeWindows | undefined;
  /** Whether a failure means this run was taken over by another worker (jobs/fence-scope.ts). */
  fences?: Pick<FenceScope, 'check' | 'superseded'>;
  /** Runs an approved plan step; absent where no plan is configured. */
  runPlanStep?: (action: PlanStepAction, request: ChangeRequest) => Promise<ExecutionResult>;
}

type ActionJobData = RequestJobData & { lockWaitAnnounced?: boolean };

/**
 * Runs one approved request: take the service lock, act through the adapter, verify, audit,
 * and tell the channel where it was asked. Safe to run twice for the same request.
 */
export function createActionProcessor(deps: ActionProcessorDeps) {
  return async function processAction(job: Job<ActionJobData>, token?: string): Promise<string> {
    const { requestId, lock: hint } = job.data;
    // The lock asked for in the same round trip as the read, where the job says whose it is; the
    // "running" compare-and-swap below is what makes that read count as one under the lock.
    const [early, request] = await Promise.all([
      hint === undefined ? undefined : deps.locks.acquire(hint.service, { holder: hint.holder, requestId, since: deps.clock.now() }, deps.lockTtlMs),
      deps.requests.get(requestId),
    ]);
    const hinted = hint !== undefined && hint.service === request?.service;
    const runnable = request !== undefined && !isTerminal(request.state) && request.state !== 'pending';
    // Taken for nothing (the request is gone, over, not approved, or of another service): given back first.
    if (hint !== undefined && early !== undefined && !(hinted && runnable)) await deps.locks.release(hint.service, early);
    if (request === undefined) throw new UnrecoverableError(`request ${requestId} does not exist`);
    // A replay after a crash or a duplicate enqueue: the channel already heard how it ended.
    if (isTerminal(request.state)) return request.state;
    if (request.state === 'pending') throw new UnrecoverableError(`request ${request.id} is not approved`);

    const lockToken = hinted ? early : await deps.locks.acquire(request.service, { holder: request.requester.display, requestId: request.id, since: deps.clock.now() }, deps.lockTtlMs);
    if (lockToken === undefined) {
      await announceLockWait(job, request);
      await job.moveToDelayed(Date.now() + deps.lockRetryMs, token);
      throw new DelayedError();
    }
    const stopRenewing = deps.locks.keepAlive(request.service, lockToken, deps.lockTtlMs, (error) => deps.log(`could not renew the ${request.service} lock`, error));
    try {
      // Already running: an earlier run of this job died mid-way (a killed worker), and this is its replay.
      const resumed = request.state === 'running';
      // A hand change's pool is read while the request is marked running: both under the lock, one waiting on etcd and one on Redis.
      const listing = !resumed && request.action.kind === 'set-pooled' ? deps.pooling.listPool(request.action.pool) : undefined;
      listing?.catch(() => undefined);
      // Otherwise re-read under the lock: the request may have been revoked while it waited for it.
      const running = resumed ? request : await deps.requests.update(request.id, (current) => (isTerminal(current.state) ? current : transition(current, 'running', deps.clock.now())));
      if (running.state !== 'running') return running.state;
      return await run(running, resumed, listing);
    } finally {
      stopRenewing();
      await deps.locks.release(request.service, lockToken);
    }
  };

  async function run(request: ChangeRequest, resumed: boolean, listing: Promise<PoolEntry[]> | undefined): Promise<string> {
    const destination = { transport: request.requester.transport, channel: request.requester.channel };
    const by = `requested by ${request.requester.display}${request.approvals.length > 0 ? `, approved by ${request.approvals.map((vote) => vote.display).join(', ')}` : ''}`;
    const started = Date.now();
    try {
      const { state, outcome, auditDetail, narrated, sal } = await execute(request, resumed, listing);
      const icon = state === 'noop' ? '➖' : '✅';
      // A run that stalled after its write and woke to find the job taken over leaves the record to its successor (free unless it stalled).
      await deps.fences?.check();
      // The record, the audit entry and the result are sent together, the record first. On one shared
      // connection the result's delivery cannot overtake the record; with replicas to WAIT for the
      // stores have a connection of their own (bot/durable-writes.ts) and the line may come a moment
      // before the record says so, which nobody reading the channel can act on faster.
      // A plan step's end is the plan's to say (step-execution.ts), once, after its soak.
      await Promise.all([
        finish(request, state, outcome),
        deps.audit.append({ event: `action.${state}`, service: request.service, who: 'cutover', where: `${destination.transport}:${destination.channel}`, requestId: request.id, detail: `${request.summary} · ${auditDetail}` }),
        narrated === true ? undefined : deps.notifier.send(destination, { kind: 'result', requestId: request.id, mark: icon, text: `${icon} ${request.id} ${state === 'noop' ? 'no-op' : 'done'}: ${request.summary} · ${outcome} · ${by}` }, `${request.id}-result`),
      ]);
      deps.onFinished?.(request.action.kind, state, (Date.now() - started) / 1000);
      if (narrated === true) return state;
      // A single change's SAL line, right behind its ✅ and at the same urgency, in the plan's format (plan steps log their own writes).
      if (state === 'succeeded' && sal !== undefined) await deps.notifier.send(destination, { kind: 'result', text: `!log ${sal}` }, `${request.id}-sal`);
      if (state === 'succeeded') await recordHandChange(request, outcome, by);
      return state;
    } catch (error) {
      if ((await deps.fences?.superseded(error)) === true) {
        // Another worker runs this request now: its outcome is that worker's to record and say.
        await deps.audit.append({ event: 'job.superseded', service: request.service, who: 'cutover', where: `${destination.transport}:${destination.channel}`, requestId: request.id, detail: `${request.summary} · stopped here: ${error instanceof Error ? error.message : String(error)}` });
        throw new UnrecoverableError(`request ${request.id} was taken over by another worker`);
      }
      const known = error instanceof CutoverError;
      const message = known ? error.message : 'cutover failed inside (see its log); the pool may or may not have changed: check !status';
      if (!known) deps.log(`request ${request.id} failed unexpectedly`, error);
      await finish(request, 'failed', message, known ? error.code : 'internal');
      deps.onFinished?.(request.action.kind, 'failed', (Date.now() - started) / 1000, known ? error.code : 'internal');
      await deps.audit.append({ event: 'action.failed', service: request.service, who: 'cutover', where: `${destination.transport}:${destination.channel}`, requestId: request.id, detail: `${request.summary} · ${message}` });
      await deps.notifier.send(destination, { kind: 'error', requestId: request.id, mark: '❌', text: `❌ ${request.id} failed: ${request.summary} · ${message} · ${by}` }, `${request.id}-result`);
      // A person decides what happens next; BullMQ must not retry a production change by itself.
      throw new UnrecoverableError(message);
    }
  }

  /** A hand pool/depool on its task and the dashboards, with the command that undoes it (never throws). */
  async function recordHandChange(request: ChangeRequest, outcome: string, by: string): Promise<void> {
    const { action } = request;
    if (deps.records === undefined || action.kind !== 'set-pooled') return;
    const undo = `!${action.service} ${action.verb === 'pool' ? 'depool' : 'pool'} ${action.fqdn} --service ${action.pool.lvsService}${request.task === undefined ? '' : ` --task ${request.task}`} undo ${request.id}`;
    const change = { service: action.service, dc: action.pool.dc, step: action.verb, task: request.task, text: `${request.summary} · ${outcome} · ${by}`, undo, requestId: request.id, replyTo: { transport: request.requester.transport, channel: request.requester.channel }, time: deps.clock.now() };
    await deps.records.record(change).catch((error: unknown) => deps.log(`could not record ${request.id}`, error));
  }

  async function execute(request: ChangeRequest, resumed: boolean, listing: Promise<PoolEntry[]> | undefined): Promise<ExecutionResult> {
    const { action } = request;
    // Approved inside the window is no permission once it has closed; a replay of a run that already started finishes it.
    if (!resumed) checkChangeWindow(deps.changeWindows, request, deps.clock.now(), 'execution');
    switch (action.kind) {
      case 'set-pooled':
        return runSetPooled(action, request, { writer: deps.writer, pooling: deps.pooling, inventories: deps.inventories, observer: deps.observers?.get(action.service) }, resumed, listing);
      case 'plan-step':
        if (deps.runPlanStep === undefined) throw new CutoverError('input.invalid', 'This process has no plan runner configured.');
        return deps.runPlanStep(action, request);
      default:
        return action satisfies never;
    }
  }

  async function finish(request: ChangeRequest, state: 'succeeded' | 'noop' | 'failed', outcome: string, errorCode?: string): Promise<void> {
    await deps.requests.update(request.id, (current) =>
      transition(current, state, deps.clock.now(), { outcome, ...(errorCode === undefined ? {} : { errorCode }) }),
    );
  }

  async function announceLockWait(job: Job<ActionJobData>, request: ChangeRequest): Promise<void> {
    if (job.data.lockWaitAnnounced === true) return;
    const holder = await deps.locks.current(request.service);
    const who = holder === undefined ? 'another action' : `${holder.requestId} (${holder.holder})`;
    await deps.notifier.send({ transport: request.requester.transport, channel: request.requester.channel }, { kind: 'progress', requestId: request.id, text: `⏸ ${request.id} waits: ${request.service} is locked by ${who}; it runs when that finishes.` }, `${request.id}-lockwait`);
    await job.updateData({ ...job.data, lockWaitAnnounced: true });
  }
}
