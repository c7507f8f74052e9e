import type { ChangeRecorder } from '../../core/ports/change-records.js';
import type { Alerts } from '../../core/ports/alerts.js';
import type { PlanEffects } from '../../core/ports/plan-effects.js';
import type { PoolingBackend } from '../../core/ports/pooling.js';
import type { Clock } from '../../core/ports/stores.js';
import type { PlanHeld } from '../../core/ports/plan-control.js';
import type { Config } from '../../config/schema.js';
import type { Inventory } from '../../core/inventory.js';
import type { Reading } from '../../core/plan/analysis.js';
import { alertHold } from '../../core/plan/alert-hold.js';
import { analyse, analysisSettingsSchema, type AnalysisSettings, type Verdict } from '../../core/plan/analysis.js';
import type { Plan, PlanStep } from '../../core/plan/plan-schema.js';
import { advance, describePosition, locate, newPlanRun, type JournalEntry, type Located, type PlanRun, type Position } from '../../core/plan/run-state.js';
import { pushTo } from '../../core/push-to.js';
import type { WorkerProofs } from '../guard/worker-proofs.js';
import type { StepContext } from './step-operations.js';

/** Where a plan's run is kept: PlanStore in Redis (compare-and-swap), a Map in unit tests. */
export interface PlanRuns {
  get(plan: string): Promise<PlanRun | undefined>;
  update(plan: string, initial: () => PlanRun, change: (current: PlanRun) => PlanRun): Promise<PlanRun>;
}

export interface PlanContextDeps {
  config: Config;
  plan: Plan;
  inventory: Inventory;
  store: PlanRuns;
  effects: PlanEffects;
  /** Reads only: every write goes through the writer, the one executor with the one policy. */
  pooling: Pick<PoolingBackend, 'get' | 'listPool'>;
  proofs: Pick<WorkerProofs, 'recorded'>;
  clock: Clock;
  /** Alertmanager, when the service's config has it: its firing alerts hold the plan, and bare metal the plan depools is silenced. */
  alerts?: Pick<Alerts, 'firing' | 'silenceHost' | 'expire'>;
  /** Phabricator comments and Grafana annotations (bot/create-change-records.ts). */
  records?: ChangeRecorder | undefined;
}

/** Why the service's alerts hold the plan: they fire, or Alertmanager could not say whether they do. */
export interface AlertBlocker {
  reason: string;
  unanswered: boolean;
}

/**
 * What every room of the plan runner reads the same way: the run as stored, the plan's time
 * scale and analysis, and the pool as the plan's steps see it.
 */
export class PlanContext {
  readonly plan: Plan;
  readonly service: string;
  readonly config: Config;
  readonly inventory: Inventory;
  readonly effects: PlanEffects;
  readonly pooling: Pick<PoolingBackend, 'get' | 'listPool'>;

  /** Phabricator comments and Grafana annotations of the plan's steps, when configured. */
  readonly records: ChangeRecorder | undefined;

  constructor(private readonly deps: PlanContextDeps) {
    this.records = deps.records;
    this.plan = deps.plan;
    this.service = deps.plan.service;
    this.config = deps.config;
    this.inventory = deps.inventory;
    this.effects = deps.effects;
    this.pooling = deps.pooling;
  }

  /** The run as stored; undefined before the plan's first command. */
  stored(): Promise<PlanRun | undefined> {
    return this.deps.store.get(this.plan.name);
  }

  async run(): Promise<PlanRun> {
    return (await this.stored()) ?? newPlanRun(this.plan, this.now());
  }

  update(change: (current: PlanRun) => PlanRun): Promise<PlanRun> {
    return this.deps.store.update(this.plan.name, () => newPlanRun(this.plan, this.now()), change);
  }

  now(): number {
    return this.deps.clock.now();
  }

  /** Plan seconds as milliseconds of this run: a rehearsal's time_scale shortens every soak and interval. */
  scaled(seconds: number): number {
    return Math.round(seconds * this.plan.time_scale * 1000);
  }

  analysisFor(step: PlanStep | undefined): AnalysisSettings {
    return analysisSettingsSchema.parse({ ...this.plan.analysis, ...(step?.analysis ?? {}) });
  }

  intervalMs(step: PlanStep | undefined): number {
    return this.scaled(this.analysisFor(step).interval_seconds);
  }

  lvsServiceOf(step: PlanStep | undefined): string {
    if (step !== undefined && 'lvs_service' in step) return step.lvs_service;
    return this.inventory.workerLvsServices[0] ?? this.inventory.lvsServiceNames[0] ?? this.service;
  }

  positionOf(entry: Pick<JournalEntry, 'dc' | 'stepId' | 'wave'>): Position {
    return { dc: this.plan.datacenters.indexOf(entry.dc), step: this.plan.steps.findIndex((step) => step.id === entry.stepId), wave: entry.wave };
  }

  defaultWeight(): number {
    return this.config.services[this.service]?.default_weight ?? 10;
  }

  stepContext(here: Located): StepContext {
    const proofs = (lvsService: string) => this.deps.proofs.recorded(this.service, this.inventory.pool(lvsService, here.dc));
    return { inventory: this.inventory, pooling: this.pooling, effects: this.effects, proofs, defaultWeight: this.defaultWeight() };
  }

  async pooledByGroup(dc: string, lvsService: string): Promise<Map<string, string[]>> {
    const entries = await this.pooling.listPool(this.inventory.pool(lvsService, dc));
    const pooled = new Set(entries.filter((entry) => entry.state.pooled === 'yes').map((entry) => entry.fqdn));
    const groups = new Map<string, string[]>();
    for (const host of this.inventory.members(lvsService, dc)) {
      if (pooled.has(host.fqdn)) pushTo(groups, host.group, host.fqdn);
    }
    return groups;
  }

  async pooledWorkers(dc: string, lvsService: string): Promise<string[]> {
    const group = this.inventory.hosts.find((host) => host.kind === 'k8s-worker')?.group;
    if (group === undefined) return [];
    return (await this.pooledByGroup(dc, lvsService)).get(group) ?? [];
  }

  /**
   * The service's firing alerts as a blocker; undefined when none fire or Alertmanager is not
   * configured. Alertmanager not answering holds the plan too: silence is not all clear.
   */
  async alertBlocker(): Promise<AlertBlocker | undefined> {
    const selectors = this.config.services[this.service]?.backends.alertmanager?.service_matchers ?? [];
    if (this.deps.alerts === undefined || selectors.length === 0) return undefined;
    try {
      const reason = alertHold(this.service, await this.deps.alerts.firing(selectors));
      return reason === undefined ? undefined : { reason, unanswered: false };
    } catch (error) {
      return { reason: `the service's alerts could not be read: ${error instanceof Error ? error.message : String(error)}`, unanswered: true };
    }
  }

  /**
   * Where bare metal's silences are made and ended: Alertmanager when configured, unless its
   * `silence_hosts` is off or the bot runs dry (a silence is a write Alertmanager's users see).
   */
  silencer(): Pick<Alerts, 'silenceHost' | 'expire'> | undefined {
    if (this.config.dry_run || this.config.services[this.service]?.backends.alertmanager?.silence_hosts !== true) return undefined;
    return this.deps.alerts;
  }

  /** Every soak from `here` to the end of the plan, its own and every later wave's, step's and DC's, scaled: how long the plan still runs at least. */
  remainingSoakMs(here: Located): number {
    let total = 0;
    for (let at: Position | undefined = this.positionOf({ dc: here.dc, stepId: here.step.id, wave: here.wave }); at !== undefined; at = advance(this.plan, at)) {
      const step = locate(this.plan, at)?.step;
      if (step !== undefined && step.kind !== 'observe') total += this.scaled(step.soak_seconds);
    }
    return total;
  }

  /** Where the run stands after a person moved it (paused, aborted, resumed), for commands/ to word. */
  heldBy(run: PlanRun, by: string): PlanHeld {
    return { plan: this.plan.name, position: describePosition(this.plan, run.position), phase: run.phase, by };
  }

  /**
   * The step's DC now, judged by the step's analysis: what a gate shows its approver and an
   * observe step reports (core/health-now.ts words the share).
   */
  async healthNow(here: Located): Promise<{ share: Reading; verdict: Verdict }> {
    const health = await this.effects.health({ dc: here.dc, lvsService: this.lvsServiceOf(here.step) });
    return { share: health.k8sShare, verdict: analyse(health.k8s, health.baseline, this.analysisFor(here.step)) };
  }
}
