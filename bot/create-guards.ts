import type { Redis } from 'ioredis';
import type { RealTrafficProber } from '../core/ports/real-traffic.js';
import type { PoolingBackend } from '../core/ports/pooling.js';
import type { AuditLog, Clock } from '../core/ports/stores.js';
import type { CookbookLocks } from '../core/ports/cookbook-locks.js';
import type { ChangeRecorder } from '../core/ports/change-records.js';
import type { Config } from '../config/schema.js';
import type { Inventory } from '../core/inventory.js';
import { analysisSettingsSchema, type AnalysisSettings } from '../core/plan/analysis.js';
import { GuardState } from '../jobs/guard/guard-state.js';
import { GuardVoice } from '../jobs/guard/guard-voice.js';
import { PoolGuard, type GuardSettings } from '../jobs/guard/pool-guard.js';
import { ProofStore } from '../jobs/guard/proof-store.js';
import { WorkerProofs } from '../jobs/guard/worker-proofs.js';
import type { Notifier } from '../jobs/notifier.js';
import { PoolWriter } from '../jobs/pool-writer.js';
import type { PlanRunner } from '../jobs/plan/plan-runner.js';
import type { Fleet } from './create-fleet.js';
import { defaultDestination } from './default-destination.js';
import type { FenceScope } from '../jobs/fence-scope.js';

export interface SafetyOptions {
  config: Config;
  inventories: ReadonlyMap<string, Inventory>;
  client: Redis;
  prefix: string;
  pooling: PoolingBackend;
  fleets: ReadonlyMap<string, Fleet>;
  clock: Clock;
  /** The guard looks at a service's workers now (a worker was just pooled). */
  kick: (service: string) => Promise<void>;
  /** The plan's health analysis for a service, when it has a plan (looked up when needed: plans are built after this). */
  planAnalysis: (service: string) => { analysis: AnalysisSettings; intervalMs: number } | undefined;
  /** spicerack's cookbook locks, when configured (bot/create-cookbook-locks.ts). */
  hostLocks?: CookbookLocks | undefined;
  /** The fence of the work under way (jobs/fence-scope.ts): checked by the writer before each write. */
  fences?: FenceScope | undefined;
}

export interface Safety {
  proofs: WorkerProofs;
  writer: PoolWriter;
  settings: (service: string) => GuardSettings;
}

/** The proof records, and the one writer every pool change goes through. */
export function createSafety(options: SafetyOptions): Safety {
  const { config, clock } = options;
  const probers = new Map<string, RealTrafficProber>();
  for (const [service, fleet] of options.fleets) if (fleet.prober !== undefined) probers.set(service, fleet.prober);
  const settings = (service: string): GuardSettings => guardSettings(config, service, options.planAnalysis(service));
  const proofs = new WorkerProofs({ store: new ProofStore(options.client, options.prefix), probers, settings, clock });
  const writer = new PoolWriter({ pooling: options.pooling, inventories: options.inventories, proofs, onWorkerPooled: options.kick, ...(options.hostLocks === undefined ? {} : { hostLocks: options.hostLocks }), ...(options.fences === undefined ? {} : { fences: options.fences }) });
  return { proofs, writer, settings };
}

export interface GuardsOptions extends Omit<SafetyOptions, 'kick' | 'planAnalysis'> {
  plans: ReadonlyMap<string, PlanRunner>;
  safety: Safety;
  notifier: Notifier;
  audit: AuditLog;
  /** Phabricator comments and Grafana annotations of the guards' depools, when configured. */
  records?: ChangeRecorder | undefined;
}

/** One guard per service that has Wikikube workers. */
export function createGuards(options: GuardsOptions): Map<string, PoolGuard> {
  const state = new GuardState(options.client, options.prefix);
  const guards = new Map<string, PoolGuard>();
  for (const [service, inventory] of options.inventories) {
    if (inventory.workerLvsServices.length === 0) continue;
    const plan = options.plans.get(service);
    const observer = options.fleets.get(service)?.observer;
    const voice = new GuardVoice({
      service,
      notifier: options.notifier,
      audit: options.audit,
      fallback: async () => (await plan?.origin()) ?? defaultDestination(options.config),
      task: plan?.task,
      clock: options.clock,
      records: options.records,
    });
    guards.set(
      service,
      new PoolGuard({
        service,
        inventory,
        pooling: options.pooling,
        proofs: options.safety.proofs,
        writer: options.safety.writer,
        voice,
        state,
        settings: options.safety.settings(service),
        clock: options.clock,
        ...(observer === undefined
          ? {}
          : {
              health: async (pool) => {
                const health = await observer.health(pool);
                if (health === undefined) throw new Error('no metrics configured');
                return health;
              },
            }),
        ...(plan === undefined ? {} : { planAnalyses: (dc: string) => plan.analyses(dc), onDepooled: (dc: string, fqdn: string, why: string) => plan.workerFailed(dc, fqdn, why) }),
      }),
    );
  }
  return guards;
}

/** Without a plan: the analysis defaults, parsed once (the writer asks for the settings on every pool change). */
const DEFAULT_ANALYSIS = Object.freeze(analysisSettingsSchema.parse({}));

/** The guard's settings: the service's own, with health analysis as the plan configures it. */
function guardSettings(config: Config, service: string, plan: { analysis: AnalysisSettings; intervalMs: number } | undefined): GuardSettings {
  const guard = config.services[service]?.guard;
  const analysis = plan?.analysis ?? DEFAULT_ANALYSIS;
  return {
    intervalMs: (guard?.probe_interval_seconds ?? 5) * 1000,
    probeAttempts: guard?.probe_attempts ?? 2,
    confirmAttempts: guard?.confirm_attempts ?? 3,
    proveMs: (guard?.prove_seconds ?? 300) * 1000,
    minRequestRate: analysis.min_request_rate,
    analysis,
    analysisIntervalMs: plan?.intervalMs ?? analysis.interval_seconds * 1000,
  };
}
