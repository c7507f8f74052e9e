import { DelayedError, Queue, Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import { isCutoverError } from '../core/errors.js';
import type { Fence } from '../core/ports/fence.js';
import { BullmqActionQueue, type RequestJobData } from './bullmq-action-queue.js';
import { Notifier, type ChannelMessage, type Destination } from './notifier.js';
import type { FenceScope } from './fence-scope.js';
import { fencedProcessor } from './fenced-processor.js';
import { ACTIONS_QUEUE, GUARD_QUEUE, notifyQueueName, PLAN_TICKS_QUEUE, TIMERS_QUEUE } from './queue-names.js';

export interface JobSystemOptions {
  prefix: string;
  /** Transports whose outboxes this system writes to (all configured ones). */
  transports: readonly string[];
  /** Shared connection for producers. */
  client: Redis;
  /** A fresh connection for each worker: BullMQ workers block on theirs. */
  connectWorker: () => Redis;
  onError: (error: Error) => void;
  /** The config's `dry_run`: what would go to SAL is said in the channel, marked, instead. */
  dryRun?: boolean;
  /** Every configured channel: where the notifier says what everyone must hear (jobs/notifier.ts `everywhere`). */
  everywhere?: readonly Destination[];
  /** Each job runs inside its lock's fence: a worker that stalled past it writes and says nothing more. */
  fences?: FenceScope;
}

const CLOSE_GRACE_MS = 25_000;
/**
 * A worker killed mid-job (kill -9, OOM, a lost VM) leaves its job active until another worker
 * finds the job lock gone: at worst lockDuration + 2 × stalledInterval. BullMQ's 30 s + 2 × 30 s
 * left an approved change hanging for a minute and a half; 10 s + 2 × 5 s brings it back within
 * 20 s. The lock is renewed every 5 s by a live worker, so only a process whose event loop stalls
 * for 10 s would be mistaken for dead.
 */
const JOB_LOCK_MS = 10_000;
/** How long the guard's kicks wait to gather a burst of pools into one look. */
const KICK_DELAY_MS = 250;
const STALLED_CHECK_MS = 5_000;
/** How long a lapsed leader waits for a worker to close before dropping its connection. */
const FORCED_CLOSE_MS = 2_000;
/** A line a lapsed leader may not say waits this long before whoever leads now takes it. */
const FENCED_RETRY_MS = 100;
/**
 * BullMQ fails a job that stalled more than this without running our code, which would leave its
 * request "running" with nobody told. Every processor is safe to replay (request states, the plan
 * journal, set-and-verify), so a job whose workers keep dying is resumed a few times instead.
 */
const MAX_STALLED = 5;

/** Workers started together and stopped together: what a leader runs only while it leads. */
export interface WorkerGroup {
  /** `now`: a lapsed leader drops its in-flight jobs (their locks lapse, another process retries them); else they finish first. */
  close(how?: 'settle' | 'now', graceMs?: number): Promise<void>;
}

/** The queues, the workers on them, and an orderly way to stop: wait for in-flight work, then close. */
export class JobSystem {
  readonly actions: Queue<RequestJobData>;
  readonly timers: Queue<RequestJobData>;
  readonly planTicks: Queue<{ plan: string; key?: string }>;
  readonly guard: Queue<{ service: string }>;
  readonly outboxes: ReadonlyMap<string, Queue<ChannelMessage>>;
  readonly actionQueue: BullmqActionQueue;
  readonly notifier: Notifier;
  private readonly workers = new Map<Worker, Redis>();

  constructor(private readonly options: JobSystemOptions) {
    const queueOptions = { connection: options.client, prefix: options.prefix };
    this.actions = new Queue<RequestJobData>(ACTIONS_QUEUE, queueOptions);
    this.timers = new Queue<RequestJobData>(TIMERS_QUEUE, queueOptions);
    this.planTicks = new Queue<{ plan: string; key?: string }>(PLAN_TICKS_QUEUE, queueOptions);
    this.guard = new Queue<{ service: string }>(GUARD_QUEUE, queueOptions);
    this.outboxes = new Map(options.transports.map((transport) => [transport, new Queue<ChannelMessage>(notifyQueueName(transport), queueOptions)]));
    // Without a listener BullMQ prints a Redis outage's connection errors raw on stderr, past the logger.
    for (const queue of [this.actions, this.timers, this.planTicks, this.guard, ...this.outboxes.values()]) queue.on('error', options.onError);
    this.actionQueue = new BullmqActionQueue(this.actions, this.timers);
    this.notifier = new Notifier((transport) => this.outboxes.get(transport), { dryRun: options.dryRun === true, everywhere: options.everywhere ?? [], ...(options.fences === undefined ? {} : { fences: options.fences }) });
  }

  /** Actions and timers: the part that changes production. Concurrency across services; the lock serialises within one. */
  startActionWorkers(processors: { action: Processor<RequestJobData>; expiry: Processor<RequestJobData> }): void {
    this.startWorker(ACTIONS_QUEUE, processors.action, 4);
    this.startWorker(TIMERS_QUEUE, processors.expiry, 1);
  }

  /** The plans' soak ticks, run by the leader: each checks the leader's fence first (a failed attempt is retried by whoever leads). */
  startPlanTicks(fence: Fence, planTick: (plan: string, key?: string) => Promise<void>): WorkerGroup {
    return this.group([
      this.startWorker(PLAN_TICKS_QUEUE, async (job) => {
        const data = job.data as { plan: string; key?: string };
        await fence.check();
        await planTick(data.plan, data.key);
      }, 1, fence),
    ]);
  }

  /** The next soak analysis of a plan; the key makes scheduling the same tick twice a no-op. */
  async scheduleTick(plan: string, delayMs: number, key: string): Promise<void> {
    // Each tick schedules the next: one lost to a Redis blip would end the soak's analysis for good.
    await this.planTicks.add('tick', { plan, key }, { jobId: `tick-${plan}-${key}`, delay: delayMs, attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 100, removeOnFail: 100 });
  }

  /**
   * The guard: a job scheduler per service every `everyMs`, so exactly one process looks each
   * time however many share this Redis; `tick` says 'busy' when another look is still running.
   */
  async startGuard(fence: Fence, services: ReadonlyMap<string, number>, tick: (service: string) => Promise<'ran' | 'busy'>): Promise<WorkerGroup> {
    const worker = this.startWorker(GUARD_QUEUE, async (job) => {
      const { service } = job.data as { service: string };
      await fence.check();
      const outcome = await tick(service);
      // A look asked for at once (a worker just pooled) must happen: retry it shortly rather than drop it.
      if (outcome === 'busy' && job.name === 'kick') throw new Error(`guard of ${service} busy; the kick is retried`);
    }, 1, fence);
    for (const [service, everyMs] of services) {
      await this.guard.upsertJobScheduler(`guard-${service}`, { every: everyMs }, { name: 'tick', data: { service }, opts: { removeOnComplete: 10, removeOnFail: 50 } });
    }
    return this.group([worker]);
  }

  /**
   * A look at the service's pooled workers now, not at the next interval. The kicks of a burst (a
   * wave pooling fifty workers) collapse into one look a moment later, which sees them all.
   */
  async kickGuard(service: string): Promise<void> {
    await this.guard.add('kick', { service }, { delay: KICK_DELAY_MS, deduplication: { id: `kick-${service}`, ttl: KICK_DELAY_MS }, attempts: 20, backoff: { type: 'fixed', delay: 200 }, removeOnComplete: 100, removeOnFail: 100 });
  }

  /**
   * One delivery worker per transport this process runs; concurrency 1 keeps each channel in order.
   * The fence is checked right before each line goes to the transport: a leader that lapsed (a
   * stall, Redis gone) puts the line back for whoever leads now instead of saying it too.
   */
  startDelivery(transport: string, fence: Fence, deliver: (message: ChannelMessage) => Promise<void>): WorkerGroup {
    const worker = this.startWorker(notifyQueueName(transport), async (job: Job, token?: string) => {
      try {
        await fence.check();
      } catch (error) {
        if (!isCutoverError(error, 'fence.lost') || token === undefined) throw error;
        await job.moveToDelayed(Date.now() + FENCED_RETRY_MS, token);
        throw new DelayedError();
      }
      await deliver(job.data as ChannelMessage);
    }, 1);
    return this.group([worker]);
  }

  /**
   * Waits until nothing is queued or running (expiry timers aside: they may be due in
   * minutes). True when idle, false when the deadline came first.
   */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const busy = await this.pendingWork();
      if (busy === 0) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async close(): Promise<void> {
    await this.closeWorkers([...this.workers.keys()], 'settle');
    await Promise.all([this.actions.close(), this.timers.close(), this.planTicks.close(), this.guard.close(), ...[...this.outboxes.values()].map((queue) => queue.close())]);
  }

  private async pendingWork(): Promise<number> {
    const counts = await Promise.all([
      this.actions.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
      ...[...this.outboxes.values()].map((queue) => queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
    ]);
    return counts.reduce((sum, byState) => sum + Object.values(byState).reduce((a, b) => a + b, 0), 0);
  }

  /** `fence`: what else must hold for this queue's jobs to act besides their own lock (the leader's lease for the leader's own work). */
  private startWorker(name: string, processor: Processor, concurrency: number, fence?: Fence): Worker {
    const connection = this.options.connectWorker();
    const { fences, client } = this.options;
    const fenced = fences === undefined ? processor : fencedProcessor(fences, client, processor, fence);
    const worker = new Worker(name, fenced, { connection, prefix: this.options.prefix, concurrency, lockDuration: JOB_LOCK_MS, stalledInterval: STALLED_CHECK_MS, maxStalledCount: MAX_STALLED });
    // Job failures reach the channel through the processors; these are the worker's own troubles.
    worker.on('error', this.options.onError);
    this.workers.set(worker, connection);
    return worker;
  }

  private group(workers: readonly Worker[]): WorkerGroup {
    return { close: (how = 'settle', graceMs = CLOSE_GRACE_MS) => this.closeWorkers(workers, how, graceMs) };
  }

  private async closeWorkers(workers: readonly Worker[], how: 'settle' | 'now', graceMs = CLOSE_GRACE_MS): Promise<void> {
    await Promise.all(
      workers.map(async (worker) => {
        const connection = this.workers.get(worker);
        if (connection === undefined) return;
        this.workers.delete(worker);
        if (how === 'now') {
          // Redis may be what is gone: neither the close nor a polite QUIT may keep a lapsed leader from standing by.
          await Promise.race([worker.close(true).catch(() => undefined), sleep(FORCED_CLOSE_MS)]);
          connection.disconnect();
          return;
        }
        // worker.close() waits for active jobs without a timeout, and a second close(true) only
        // returns that same wait (BullMQ keeps one closing promise). Past the grace period the job
        // still running (stuck on a hanging backend) is left behind with its connection cut: its
        // lock lapses, whoever runs next replays it, and its fence refuses anything it does late.
        let timer: NodeJS.Timeout | undefined;
        const graceful = worker.close().then(
          () => true,
          () => true,
        );
        const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
        const closed = await Promise.race([graceful, timeout]);
        clearTimeout(timer);
        if (!closed) {
          connection.disconnect();
          return;
        }
        await connection.quit().catch(() => connection.disconnect());
      }),
    );
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
