import type { PoolState } from './pool-state.js';

/** "weight 7 → 10", "pooled yes → no, weight 10 → 0": only what differs, with both values. */
export function describeStateChange(from: PoolState | undefined, to: PoolState | undefined): string {
  if (from === undefined || to === undefined) return `${from === undefined ? 'absent' : 'present'} → ${to === undefined ? 'absent' : 'present'}`;
  const parts: string[] = [];
  if (from.pooled !== to.pooled) parts.push(`pooled ${from.pooled} → ${to.pooled}`);
  if (from.weight !== to.weight) parts.push(`weight ${from.weight} → ${to.weight}`);
  return parts.length === 0 ? 'no field changed' : parts.join(', ');
}
