import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import { parseJson } from '../../core/parse-json.js';
import { pythonJsonObject } from '../conftool/python-json.js';
import { formatCreated, parseCreated, type CreatedStyle } from './created-time.js';

/**
 * One key's locks, as spicerack's `KeyLocks` and `ConcurrentLock` (spicerack/locking.py) read,
 * check and write them. The value is `json.dumps({uuid: {"concurrency", "created", "owner", "ttl"}})`
 * with Python's separators and key order; `from_dict` passes the fields as keyword arguments, so a
 * lock with any other field would crash spicerack, and is refused here rather than written.
 */
const concurrentLockSchema = z.strictObject({
  concurrency: z.int().nonnegative(),
  created: z.string(),
  owner: z.string(),
  ttl: z.int().positive(),
});

export interface ConcurrentLock {
  uuid: string;
  concurrency: number;
  /** As stored: spicerack's own locks go back byte for byte. */
  created: string;
  /** `created` in epoch microseconds, for the TTL arithmetic. */
  createdMicros: number;
  owner: string;
  ttl: number;
}

/** Locks in the order they were stored (Python dicts keep it, and so does the rewritten value). */
export type KeyLocks = ConcurrentLock[];

export function parseKeyLocks(key: string, value: string): KeyLocks {
  const json = parseJson(value);
  if (json === undefined || typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CutoverError('adapter.bad-output', `spicerack lock ${key} is not a JSON object, as spicerack would also fail to read it: ${value.slice(0, 200)}`);
  }
  return Object.entries(json).map(([uuid, raw]) => {
    const parsed = concurrentLockSchema.safeParse(raw);
    if (!parsed.success) throw new CutoverError('adapter.bad-output', `spicerack lock ${key} has an unreadable entry ${uuid}: ${z.prettifyError(parsed.error)}`);
    return { uuid, ...parsed.data, createdMicros: parseCreated(key, parsed.data.created) };
  });
}

/** KeyLocks.to_json. */
export function formatKeyLocks(locks: KeyLocks): string {
  // ConcurrentLock.to_dict's order; none of these keys is integer-like, so the object keeps it.
  return pythonJsonObject(locks.map((lock) => [lock.uuid, { concurrency: lock.concurrency, created: lock.created, owner: lock.owner, ttl: lock.ttl }]));
}

/** `created + ttl < now`, spicerack's test: a lock is still held at the very second it expires. */
export function isExpired(lock: ConcurrentLock, nowMicros: number): boolean {
  return lock.createdMicros + lock.ttl * 1_000_000 < nowMicros;
}

export type AddOutcome = { ok: true; locks: KeyLocks } | { ok: false; limit: number; count: number };

export interface NewLock {
  uuid: string;
  concurrency: number;
  owner: string;
  ttl: number;
}

/**
 * KeyLocks.add, rule for rule. A live lock whose concurrency the key's lock count has reached
 * refuses the newcomer; the count there still includes expired locks, which are dropped only
 * after that check (spicerack's order, kept so the bot refuses exactly where a cookbook would).
 * Then the newcomer's own concurrency is checked against the locks that remain. Concurrency 0
 * means unlimited but tracked.
 */
export function addLock(locks: KeyLocks, lock: NewLock, nowMicros: number, style: CreatedStyle): AddOutcome {
  let limit: number | undefined;
  for (const other of locks) {
    if (isExpired(other, nowMicros)) continue;
    if (other.concurrency !== 0 && locks.length >= other.concurrency && (limit === undefined || other.concurrency < limit)) limit = other.concurrency;
  }
  if (limit !== undefined) return { ok: false, limit, count: locks.length };
  const live = locks.filter((other) => !isExpired(other, nowMicros));
  if (live.some((other) => other.uuid === lock.uuid)) throw new CutoverError('input.invalid', `A spicerack lock with id ${lock.uuid} already exists.`);
  if (lock.concurrency !== 0 && live.length >= lock.concurrency) return { ok: false, limit: lock.concurrency, count: live.length };
  return { ok: true, locks: [...live, { ...lock, created: formatCreated(nowMicros, style), createdMicros: nowMicros }] };
}
