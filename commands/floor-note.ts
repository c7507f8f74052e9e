import type { PoolView } from './pool-view.js';

export interface FloorNote {
  text: string;
  /** Worth a ⚠: the pool takes traffic and is below pybal's threshold. */
  warn: boolean;
}

/**
 * What pybal's depool_threshold means for a pool right now, in words `status` and the status page
 * share. core/capacity.ts's floor is at least 1 so a guard never empties a pool; a pool with no
 * host counted (all inactive) or with no pybal pool behind it takes no traffic by design, so
 * calling it "below floor" would be an alarm about nothing.
 */
export function floorNote(view: Pick<PoolView, 'capacity'>, takesTraffic: boolean): FloorNote | undefined {
  const capacity = view.capacity;
  if (capacity === undefined) return undefined;
  const { pooledAfter: pooled, totalAfter: total, floor } = capacity;
  if (total === 0) return { text: 'no host counted (all inactive): takes no traffic', warn: false };
  if (capacity.ok) return { text: `may lose ${pooled - floor} (floor ${floor}/${total})`, warn: false };
  if (!takesTraffic) return { text: `${pooled} pooled, floor ${floor}/${total} once pybal has this pool (takes no traffic yet)`, warn: false };
  if (pooled === 0) return { text: `⚠ NOTHING POOLED: 0 of ${total} counted`, warn: true };
  // Below the floor with something pooled means pooled=no hosts, which stay in pybal's total: the
  // usual way here is more workers depooled than bare metal pooled, and the way out is inactive.
  const why = ` · ${total - pooled} pooled=no still count in pybal's total, so it can eject no failing host (inactive ones would not count)`;
  return { text: `⚠ BELOW FLOOR: ${pooled} pooled, needs ${floor}/${total}${why}`, warn: true };
}
