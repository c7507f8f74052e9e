import { createHash } from 'node:crypto';
import * as z from 'zod';
import { poolStateSchema } from './pool-state.js';

export const poolRefSchema = z.strictObject({
  lvsService: z.string(),
  dc: z.string(),
  cluster: z.string(),
  conftoolService: z.string(),
});

/**
 * Set one pool member's conftool fields. Only the fields named in `changes` are written:
 * a depool leaves the weight someone else chose alone (spicerack's merge-then-write).
 */
export const setPooledActionSchema = z.strictObject({
  kind: z.literal('set-pooled'),
  verb: z.enum(['pool', 'depool']),
  service: z.string(),
  pool: poolRefSchema,
  fqdn: z.string(),
  changes: poolStateSchema.partial().refine((changes) => Object.keys(changes).length > 0, { error: 'empty change' }),
  /**
   * The state the request showed its approver, and the backend's version of it (etcd's
   * modifiedIndex): part of the hash, and at execution anything else means nothing is written.
   */
  expect: z.strictObject({ state: poolStateSchema, revision: z.string().optional() }).optional(),
});
export type SetPooledAction = z.infer<typeof setPooledActionSchema>;

/**
 * A step of the migration plan, or a rollback or emergency stop of it. `preview` lists the exact
 * adapter actions the approver saw; it is part of the hash, so a plan that would now do something
 * else needs a new approval.
 */
export const planStepActionSchema = z.strictObject({
  kind: z.literal('plan-step'),
  operation: z.enum(['advance', 'rollback', 'emergency-stop']),
  service: z.string(),
  plan: z.string(),
  dc: z.string(),
  stepId: z.string(),
  position: z.strictObject({ dc: z.int(), step: z.int(), wave: z.int() }),
  title: z.string(),
  preview: z.array(z.string()),
});
export type PlanStepAction = z.infer<typeof planStepActionSchema>;

/** Every kind is handled exhaustively wherever actions are described or run. */
export const actionSchema = z.discriminatedUnion('kind', [setPooledActionSchema, planStepActionSchema]);
export type Action = z.infer<typeof actionSchema>;

export function conftoolPath(pool: z.infer<typeof poolRefSchema>, fqdn: string): string {
  return `/conftool/v1/pools/${pool.dc}/${pool.cluster}/${pool.conftoolService}/${fqdn}`;
}

export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'set-pooled': {
      const weight = action.changes.weight === undefined ? '' : ` at weight ${action.changes.weight}`;
      const preposition = action.verb === 'pool' ? 'into' : 'from';
      return `${action.verb} ${action.fqdn} ${preposition} ${action.pool.lvsService} (${action.pool.dc})${weight}`;
    }
    case 'plan-step': {
      const what = action.operation === 'advance' ? action.title : action.operation === 'rollback' ? `roll back ${action.stepId}` : 'EMERGENCY STOP: repool bare metal, then depool workers';
      return `${action.plan} ${action.dc} ${action.stepId}${action.position.wave > 0 ? ` wave ${action.position.wave + 1}` : ''}: ${what}`;
    }
    default:
      return action satisfies never;
  }
}

/**
 * The exact conftool write a pool change makes, `PATH: {before} → {after}`: what the audit trail
 * records when it is filed and what its dry run says it would write.
 */
export function describeWrite(action: SetPooledAction): string {
  const path = conftoolPath(action.pool, action.fqdn);
  if (action.expect === undefined) return `${path}: ${JSON.stringify(action.changes)}`;
  return `${path}: ${JSON.stringify(action.expect.state)} → ${JSON.stringify({ ...action.expect.state, ...action.changes })}`;
}

/**
 * Approvals bind to this hash of exactly what will be done, so an action that changes after
 * approval no longer matches what the approver saw.
 */
export function actionHash(action: Action): string {
  return createHash('sha256').update(canonicalJson(action)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
