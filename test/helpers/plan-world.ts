import { alertmanagerSettingsSchema } from '../../adapters/alertmanager/settings.js';
import { seedEntries } from '../../adapters/simulated/seed-entries.js';
import type { Alerts } from '../../core/ports/alerts.js';
import { actionHash, conftoolPath, describeAction, type PlanStepAction } from '../../core/actions.js';
import { Inventory } from '../../core/inventory.js';
import { planSchema, type Plan } from '../../core/plan/plan-schema.js';
import { locate, newPlanRun, planRunSchema, type JournalEntry, type PlanRun, type Position } from '../../core/plan/run-state.js';
import type { PoolState } from '../../core/pool-state.js';
import type { ChangeRequest } from '../../core/requests.js';
import type { ChannelMessage, Destination } from '../../jobs/notifier.js';
import { PlanContext, type PlanRuns } from '../../jobs/plan/plan-context.js';
import { HostSilences } from '../../jobs/plan/host-silences.js';
import { PlanJournal } from '../../jobs/plan/plan-journal.js';
import { PlanNarration } from '../../jobs/plan/plan-narration.js';
import { PlanPauses } from '../../jobs/plan/plan-pauses.js';
import { takeHelmDiff } from '../../jobs/plan/helm-diff-binding.js';
import { SoakSchedule } from '../../jobs/plan/soak-schedule.js';
import { stepOperations } from '../../jobs/plan/step-operations.js';
import { loadShippedConfig, shippedInventories } from './config.js';
import { ScriptedEffects } from './fake-plan-effects.js';
import { makeSafety } from './fake-safety.js';
import { FakePooling, FakeRequestStore, FixedClock, MemoryAudit, RecordingQueue } from './fakes.js';

export const K8S = 'kartotherian-k8s-ssl';

/**
 * A plan small enough to read in a test, on the shipped Kartotherian inventory: a deploy, the
 * first worker with its soak, a report, and two waves of two writes each.
 */
export const TEST_PLAN = {
  name: 'test-plan',
  service: 'kartotherian',
  task: 'T1000',
  datacenters: ['eqiad', 'codfw'],
  analysis: { interval_seconds: 60, failure_limit: 2, min_request_rate: 1 },
  steps: [
    { id: 'helm-deploy', title: 'deploy on Wikikube', kind: 'helm-deploy', env: '{dc}', verify: [{ check: 'release-ready' }] },
    { id: 'first-worker', title: 'pool the first worker', kind: 'pool-workers', lvs_service: K8S, group: 'wikikube', count: 1, soak_seconds: 900, verify: [{ check: 'real-traffic', lvs_service: K8S, group: 'wikikube' }] },
    { id: 'observe', title: 'health report', kind: 'observe', gate: 'none' },
    {
      id: 'waves',
      title: 'workers in, bare metal out',
      kind: 'waves',
      lvs_service: K8S,
      workers: 'wikikube',
      bare_metal: 'maps',
      soak_seconds: 900,
      verify: [{ check: 'real-traffic', lvs_service: K8S, group: 'wikikube' }],
      waves: [
        { pool: 2, depool: 0 },
        { pool: 0, depool: 2 },
      ],
    },
  ],
};

/** Plan runs in a Map, validated like PlanStore's, handed out as copies. */
export class MemoryPlanRuns implements PlanRuns {
  private readonly runs = new Map<string, PlanRun>();
  updates = 0;

  async get(plan: string): Promise<PlanRun | undefined> {
    const run = this.runs.get(plan);
    return run === undefined ? undefined : structuredClone(run);
  }

  async update(plan: string, initial: () => PlanRun, change: (current: PlanRun) => PlanRun): Promise<PlanRun> {
    this.updates += 1;
    const next = planRunSchema.parse(change(structuredClone(this.runs.get(plan) ?? initial())));
    this.runs.set(plan, next);
    return structuredClone(next);
  }

  put(run: PlanRun): void {
    this.runs.set(run.plan, planRunSchema.parse(run));
  }
}

export class RecordingNotifier {
  readonly sent: { destination: Destination; message: Omit<ChannelMessage, 'channel'>; dedupeKey: string }[] = [];

  async send(destination: Destination, message: Omit<ChannelMessage, 'channel'>, dedupeKey: string): Promise<void> {
    this.sent.push({ destination, message: { ...message }, dedupeKey });
  }

  texts(): string[] {
    return this.sent.map((entry) => entry.message.text);
  }
}

export const ORIGIN = { transport: 'irc', channel: '#wikimedia-operations' };

export type PlanWorld = Awaited<ReturnType<typeof planWorld>>;

/**
 * Everything a room of the plan runner is built from, as fakes: conftool in a Map seeded from
 * the shipped config, the one writer over it, runs in memory, a scripted world, a fixed clock;
 * and the shared rooms (context, narration, silences, journal, pauses, schedule) built from those.
 */
export async function planWorld(options: { service?: string; edit?: (plan: typeof TEST_PLAN) => void; alerts?: { client: Pick<Alerts, 'firing' | 'silenceHost' | 'expire'>; settings: Record<string, unknown> } } = {}) {
  const config = await loadShippedConfig();
  const service = options.service ?? 'kartotherian';
  const serviceConfig = config.services['kartotherian'];
  if (serviceConfig === undefined) throw new Error('the shipped config lost kartotherian');
  // The demo config has no Alertmanager; a test that wants one gives the service its block.
  if (options.alerts !== undefined) serviceConfig.backends.alertmanager = alertmanagerSettingsSchema.parse(options.alerts.settings);
  const inventory = new Inventory(service, serviceConfig);
  const inventories = new Map([[service, inventory]]);
  const raw = structuredClone({ ...TEST_PLAN, service });
  options.edit?.(raw);
  const plan: Plan = planSchema.parse(raw);
  const pooling = new FakePooling(seedEntries(config.backends.pooling, shippedInventories(config)));
  const clock = new FixedClock();
  const safety = makeSafety(pooling, inventories, clock);
  const store = new MemoryPlanRuns();
  const effects = new ScriptedEffects();
  const notifier = new RecordingNotifier();
  const requests = new FakeRequestStore();
  const queue = new RecordingQueue();
  const audit = new MemoryAudit();
  const ticks: { plan: string; delayMs: number; key: string }[] = [];
  const scheduleTick = async (name: string, delayMs: number, key: string): Promise<void> => {
    ticks.push({ plan: name, delayMs, key });
  };
  const context = new PlanContext({ config, plan, inventory, store, effects, pooling, proofs: safety.proofs, clock, ...(options.alerts === undefined ? {} : { alerts: options.alerts.client }) });
  const narration = new PlanNarration({ context, notifier, audit });
  const silences = new HostSilences({ context, narration });
  const journal = new PlanJournal({ context, narration, writer: safety.writer, requests, silences });
  const pauses = new PlanPauses({ context, narration });
  const schedule = new SoakSchedule({ context, scheduleTick });

  const path = (fqdn: string, lvsService = K8S): string => conftoolPath(inventory.pool(lvsService, fqdn.split('.')[1] ?? 'eqiad'), fqdn);
  let seq = 0;
  const seed = (patch: Partial<PlanRun> = {}): PlanRun => {
    const run = { ...newPlanRun(plan, clock.now()), origin: ORIGIN, ...patch };
    store.put(run);
    return run;
  };

  return {
    config,
    plan,
    inventory,
    pooling,
    clock,
    safety,
    store,
    effects,
    notifier,
    requests,
    queue,
    audit,
    ticks,
    scheduleTick,
    context,
    narration,
    silences,
    journal,
    pauses,
    schedule,
    path,
    /** Stores a run as `patch` says, spoken to from #wikimedia-operations. */
    seed,
    async run(): Promise<PlanRun> {
      const run = await store.get(plan.name);
      if (run === undefined) throw new Error('no run stored');
      return run;
    },
    /** Conftool holds `state` for `fqdn`, as if someone wrote it (no call recorded). */
    set(fqdn: string, state: PoolState, lvsService = K8S): void {
      pooling.put(path(fqdn, lvsService), state);
    },
    state(fqdn: string, lvsService = K8S): PoolState | undefined {
      return pooling.peek(path(fqdn, lvsService));
    },
    /** A journal entry: a done conftool write of the plan, unless told otherwise. */
    entry(fqdn: string, from: PoolState, to: PoolState, patch: Partial<JournalEntry> = {}): JournalEntry {
      seq += 1;
      return { seq, dc: 'eqiad', stepId: 'first-worker', wave: 0, kind: 'set-pooled', target: path(fqdn), from, to, detail: `write ${seq}`, status: 'done', at: clock.now(), ...patch };
    },
    /** Lines said in the plan's channel, oldest first. */
    said(): string[] {
      return notifier.texts();
    },
    /**
     * The step at `position` requested and approved as it would be now: the plan awaits it
     * with the request that binds its exact writes (the preview) and a helm step's diff, as `next` leaves it.
     */
    async approved(position: Position, patch: Partial<PlanRun> = {}): Promise<{ action: PlanStepAction; request: ChangeRequest }> {
      const here = locate(plan, position);
      if (here === undefined) throw new Error('no such step');
      const ops = await stepOperations(here, context.stepContext(here));
      if (ops.kind === 'blocked') throw new Error(`blocked: ${ops.reason}`);
      const action: PlanStepAction = { kind: 'plan-step', operation: 'advance', service, plan: plan.name, dc: here.dc, stepId: here.step.id, position, title: here.step.title, preview: ops.lines };
      // A helm step is filed with the diff its approver saw, as `next` files it.
      const helmDiff = await takeHelmDiff(ops.operations, effects);
      const request = await requests.create({
        ...(helmDiff === undefined ? {} : { helmDiff }),
        service,
        action,
        actionHash: actionHash(action),
        summary: describeAction(action),
        reason: 'rehearsal',
        requester: { person: 'alice', display: 'alice', ...ORIGIN },
        approvalsRequired: 1,
        approvals: [{ person: 'bob', display: 'bob', transport: 'irc', at: clock.now() }],
        state: 'approved',
        createdAt: clock.now(),
        expiresAt: clock.now() + 900_000,
        updatedAt: clock.now(),
      });
      seed({ position, phase: 'awaiting-approval', requestId: request.id, ...patch });
      return { action, request };
    },
  };
}

export const POOLED: PoolState = { pooled: 'yes', weight: 10 };
export const INACTIVE: PoolState = { pooled: 'inactive', weight: 0 };
export const DEPOOLED: PoolState = { pooled: 'no', weight: 10 };
