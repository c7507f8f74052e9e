import type { PlanEffects } from '../../core/ports/plan-effects.js';
import type { PoolingBackend } from '../../core/ports/pooling.js';
import { conftoolPath, type SetPooledAction } from '../../core/actions.js';
import type { Inventory } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';
import type { Located } from '../../core/plan/run-state.js';
import { selectWave } from '../../core/plan/wave-selection.js';
import { judgePoolChange } from '../../core/policy/pool-policy.js';
import type { WorkerProof } from '../../core/policy/worker-proof.js';

export type Operation =
  | { kind: 'set-pooled'; action: SetPooledAction; path: string; from: PoolState; to: PoolState }
  | { kind: 'puppet'; selector: string; batchSize: number; applies: string }
  | { kind: 'lvs-service'; dc: string; lvsService: string; applies: string }
  | { kind: 'helm'; env: string };

export type StepOperations = { kind: 'ready'; operations: Operation[]; lines: string[]; arithmetic?: string } | { kind: 'blocked'; reason: string; arithmetic?: string };

export interface StepContext {
  inventory: Inventory;
  pooling: Pick<PoolingBackend, 'listPool'>;
  effects: PlanEffects;
  /** What real traffic has shown of the workers in a pool of this DC (the guard's records). */
  proofs: (lvsService: string) => Promise<ReadonlyMap<string, WorkerProof>>;
  defaultWeight: number;
}

/**
 * What a step would do right now, from live state: the exact conftool writes and commands. The
 * approver sees these lines; the same function runs again at execution, and any difference means
 * the world moved and the step needs a fresh approval.
 */
export async function stepOperations(here: Located, context: StepContext): Promise<StepOperations> {
  const { step, dc } = here;
  const fill = (template: string): string => template.replaceAll('{dc}', dc);
  switch (step.kind) {
    case 'puppet':
      return ready([{ kind: 'puppet', selector: fill(step.selector), batchSize: step.batch_size, applies: step.applies }], context);
    case 'lvs-service':
      return ready([{ kind: 'lvs-service', dc, lvsService: step.lvs_service, applies: step.applies }], context);
    case 'helm-deploy':
      return ready([{ kind: 'helm', env: fill(step.env) }], context);
    case 'observe':
      return ready([], context);
    case 'pool-workers':
      return wave(step.lvs_service, step.group, undefined, step.count, 0);
    case 'waves': {
      const spec = step.waves[here.wave];
      if (spec === undefined) return { kind: 'blocked', reason: `wave ${here.wave + 1} does not exist` };
      return wave(step.lvs_service, step.workers, step.bare_metal, spec.pool, spec.depool);
    }
    case 'retire-bare-metal':
      return retire(step.lvs_service, step.bare_metal);
    default:
      return step satisfies never;
  }

  async function poolStates(lvsService: string): Promise<Map<string, PoolState>> {
    const entries = await context.pooling.listPool(context.inventory.pool(lvsService, dc));
    return new Map(entries.map((entry) => [entry.fqdn, entry.state]));
  }

  async function wave(lvsService: string, workersGroup: string, bareMetalGroup: string | undefined, pool: number | 'rest', depool: number | 'rest'): Promise<StepOperations> {
    const states = await poolStates(lvsService);
    const members = context.inventory.members(lvsService, dc);
    const selection = selectWave({
      states,
      workers: members.filter((host) => host.group === workersGroup).map((host) => host.fqdn),
      bareMetal: bareMetalGroup === undefined ? [] : members.filter((host) => host.group === bareMetalGroup).map((host) => host.fqdn),
      proofs: await context.proofs(lvsService),
      pool,
      depool,
      threshold: context.inventory.lvsService(lvsService).depool_threshold,
      weight: context.defaultWeight,
      dc,
      lvsService,
    });
    if (selection.kind === 'refused') return { kind: 'blocked', reason: selection.reason, arithmetic: selection.arithmetic };
    const operations: Operation[] = [
      ...selection.pool.map((fqdn) => setPooled(lvsService, fqdn, 'pool', states.get(fqdn), { pooled: 'yes', weight: Math.max(states.get(fqdn)?.weight ?? 0, context.defaultWeight) })),
      ...selection.depool.map((fqdn) => setPooled(lvsService, fqdn, 'depool', states.get(fqdn), { pooled: 'no' })),
    ];
    return ready(operations, context, selection.arithmetic);
  }

  async function retire(lvsService: string, bareMetalGroup: string): Promise<StepOperations> {
    const states = await poolStates(lvsService);
    const members = context.inventory.members(lvsService, dc);
    const leaving = members.filter((host) => host.group === bareMetalGroup && states.get(host.fqdn) !== undefined && states.get(host.fqdn)?.pooled !== 'inactive');
    const changes = leaving.map((host) => ({ fqdn: host.fqdn, to: { ...(states.get(host.fqdn) ?? { pooled: 'no' as const, weight: 0 }), pooled: 'inactive' as const } }));
    const verdict = judgePoolChange({
      purpose: 'plan',
      pool: { dc, lvsService, threshold: context.inventory.lvsService(lvsService).depool_threshold },
      members: members.map((host) => ({ fqdn: host.fqdn, kind: host.kind, state: states.get(host.fqdn) })),
      changes,
      proofs: await context.proofs(lvsService),
    });
    if (!verdict.allow) return { kind: 'blocked', reason: verdict.reason, arithmetic: verdict.arithmetic };
    const operations = leaving.map((host) => setPooled(lvsService, host.fqdn, 'depool', states.get(host.fqdn), { pooled: 'inactive' }));
    return ready(operations, context, verdict.arithmetic);
  }

  function setPooled(lvsService: string, fqdn: string, verb: 'pool' | 'depool', from: PoolState | undefined, changes: Partial<PoolState>): Operation {
    const pool = context.inventory.pool(lvsService, dc);
    const before = from ?? { pooled: 'inactive', weight: 0 };
    return {
      kind: 'set-pooled',
      action: { kind: 'set-pooled', verb, service: context.inventory.serviceName, pool, fqdn, changes },
      path: conftoolPath(pool, fqdn),
      from: before,
      to: { ...before, ...changes },
    };
  }
}

function ready(operations: Operation[], context: StepContext, arithmetic?: string): StepOperations {
  return { kind: 'ready', operations, lines: operations.flatMap((operation) => describeOperation(operation, context.effects)), ...(arithmetic === undefined ? {} : { arithmetic }) };
}

export function describeOperation(operation: Operation, effects: PlanEffects): string[] {
  switch (operation.kind) {
    case 'set-pooled':
      return [`conftool ${operation.path} ${JSON.stringify(operation.from)} → ${JSON.stringify(operation.to)}`];
    case 'puppet':
      return effects.describePuppet(operation);
    case 'lvs-service':
      return effects.describeLvsService(operation);
    case 'helm':
      return effects.describeHelm(operation);
    default:
      return operation satisfies never;
  }
}
