import * as z from 'zod';

/** conftool's value for a pool member, exactly as it sits in etcd: {"weight": 10, "pooled": "yes"}. */
export const poolStateSchema = z.strictObject({
  pooled: z.enum(['yes', 'no', 'inactive']),
  weight: z.int().min(0).max(1000),
});
export type PoolState = z.infer<typeof poolStateSchema>;
export type Pooled = PoolState['pooled'];

export function samePoolState(a: PoolState | undefined, b: PoolState | undefined): boolean {
  return a !== undefined && b !== undefined && a.pooled === b.pooled && a.weight === b.weight;
}

export function formatPoolState(state: PoolState | undefined): string {
  return state === undefined ? 'absent' : `pooled=${state.pooled} weight=${state.weight}`;
}
