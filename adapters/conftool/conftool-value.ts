import { CutoverError } from '../../core/errors.js';
import { poolStateSchema, type PoolState } from '../../core/pool-state.js';

/**
 * The value exactly as conftool writes it: Python's json.dumps, so `", "` and `": "` separators
 * and weight before pooled. pybal and humans diffing etcd see no difference between our writes
 * and confctl's.
 */
export function formatConftoolValue(state: PoolState): string {
  return `{"weight": ${JSON.stringify(state.weight)}, "pooled": ${JSON.stringify(state.pooled)}}`;
}

/** Parses a stored value; anything that is not exactly {pooled, weight} is refused, not guessed. */
export function parseConftoolValue(raw: string, where: string): PoolState {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = poolStateSchema.safeParse(json);
  if (!parsed.success) {
    throw new CutoverError('adapter.bad-output', `Unexpected conftool value at ${where}: ${JSON.stringify(raw.slice(0, 100))}`);
  }
  return parsed.data;
}
