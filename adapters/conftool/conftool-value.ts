import { CutoverError } from '../../core/errors.js';
import { parseJson } from '../../core/parse-json.js';
import { poolStateSchema, type PoolState } from '../../core/pool-state.js';
import { pythonJsonObject } from './python-json.js';

/** A stored value split into what cutover owns and what it only carries over. */
export interface ConftoolValue {
  state: PoolState;
  /** Every other field, in stored order; absent when there is none. */
  extra?: Readonly<Record<string, unknown>>;
}

const OWNED = new Set<string>(Object.keys(poolStateSchema.shape));

/**
 * The value as conftool writes it (Python's json.dumps): weight, pooled, then the fields cutover
 * does not own, in the order they were read. conftool creates objects with weight and pooled
 * first and its merge appends new fields, so that is the stored order of every value confctl
 * wrote; a hand-made value with extras first is rewritten with the same content, owned fields
 * first. Owned fields in `extra` are ignored: `state` says what they become.
 */
export function formatConftoolValue(state: PoolState, extra?: Readonly<Record<string, unknown>>): string {
  const kept = Object.entries(extra ?? {}).filter(([field]) => !OWNED.has(field));
  return pythonJsonObject([['weight', state.weight], ['pooled', state.pooled], ...kept]);
}

/**
 * Reads a stored value tolerantly: other tools (confctl with a newer schema, a human with
 * etcdctl) add fields, and refusing them would make the whole pool unreadable. The fields
 * cutover acts on are checked strictly, and a bad one is refused, not guessed.
 */
export function parseConftoolValue(raw: string, where: string): ConftoolValue {
  // A pool of 500 holds a handful of distinct values ({"pooled":"yes","weight":10}, …): each is
  // parsed and checked once, and every entry gets its own copy of the state.
  const known = PARSED.get(raw);
  if (known !== undefined) return { state: { ...known } };
  const value = splitConftoolValue(parseJson(raw));
  if (value !== undefined && value.extra === undefined) {
    if (PARSED.size >= PARSED_MAX) PARSED.clear();
    PARSED.set(raw, { ...value.state });
  }
  if (value === undefined) {
    throw new CutoverError('adapter.bad-output', `Unexpected conftool value at ${where}: ${JSON.stringify(raw.slice(0, 100))}`);
  }
  return value;
}

const PARSED = new Map<string, PoolState>();
const PARSED_MAX = 1000;

/** The split of an already parsed value, or undefined when it is not an object with valid pooled and weight. */
export function splitConftoolValue(json: unknown): ConftoolValue | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const fields = Object.entries(json);
  const owned = poolStateSchema.safeParse(Object.fromEntries(fields.filter(([field]) => OWNED.has(field))));
  if (!owned.success) return undefined;
  // Object.fromEntries, not zod: zod drops a field named __proto__, and this must keep every field it does not own.
  const extra = fields.filter(([field]) => !OWNED.has(field));
  return extra.length === 0 ? { state: owned.data } : { state: owned.data, extra: Object.fromEntries(extra) };
}
