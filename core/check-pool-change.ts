import { samePoolState, type PoolState } from './pool-state.js';

/** What a pool or depool would do to a key holding `current`: nothing (and why), or a change. */
export type PoolChangeCheck = { kind: 'noop'; why: 'inactive' | 'same' } | { kind: 'change'; next: PoolState };

/**
 * The pre-check asked at request time (nothing to file) and again by the writer at execution
 * (nothing to write), so both call the same things no-ops. An inactive host takes no traffic:
 * depooling it would only add it to pybal's total.
 */
export function checkPoolChange(verb: 'pool' | 'depool', current: PoolState, changes: Partial<PoolState>): PoolChangeCheck {
  if (verb === 'depool' && current.pooled === 'inactive') return { kind: 'noop', why: 'inactive' };
  const next: PoolState = { ...current, ...changes };
  return samePoolState(current, next) ? { kind: 'noop', why: 'same' } : { kind: 'change', next };
}
