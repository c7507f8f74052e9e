import { randomUUID } from 'node:crypto';
import { CutoverError } from '../../core/errors.js';
import type { EtcdResponse, EtcdV2Client } from '../conftool/etcd-client.js';
import { etcdErrorSchema, etcdResultSchema, type EtcdNode } from '../conftool/etcd-schemas.js';
import { leafKeys } from './etcd-tree.js';

/** spicerack's KEYS_BASE_PATH + ETCD_WRITER_LOCK_KEY: `etcd.Lock(client, "etcd")` with lock_prefix forced to /spicerack/locks. */
export const WRITER_LOCK_PATH = '/spicerack/locks/etcd';
/** `acquire(blocking=False, lock_ttl=15)` in spicerack's `_acquire_etcd_lock`. */
const WRITER_LOCK_TTL_SECONDS = 15;

export interface WriterLockOptions {
  tries: number;
  delayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export type Attempt<T> = { done: true; value: T } | { done: false; why: string };

/**
 * python-etcd's `Lock` recipe (etcd/lock.py) as spicerack uses it, non-blocking: POST an in-order
 * key under the lock path holding a uuid (hex) with a 15 s TTL; the lock is ours when our key sorts
 * first among the leaves there; otherwise our key is deleted and the attempt failed. spicerack
 * retries that (its `@retry`, linear); so does `run`, a few times, then says who is in the way.
 * `work` runs while the lock is held and may itself ask for another attempt (a compare-and-swap
 * that lost); our key is deleted afterwards whatever happened.
 */
export async function withWriterLock<T>(client: EtcdV2Client, options: WriterLockOptions, work: () => Promise<Attempt<T>>): Promise<Attempt<T>> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let why = '';
  for (let attempt = 1; attempt <= options.tries; attempt += 1) {
    const ours = await enqueue(client);
    try {
      const first = await firstInLine(client);
      if (first === ours) {
        const outcome = await work();
        if (outcome.done) return outcome;
        why = outcome.why;
      } else {
        why = `spicerack's etcd writer lock ${WRITER_LOCK_PATH} is held (${first ?? 'our key expired'})`;
      }
    } finally {
      await release(client, ours);
    }
    if (attempt < options.tries) await sleep(options.delayMs * attempt);
  }
  return { done: false, why: `${why}; gave up after ${options.tries} attempts` };
}

async function enqueue(client: EtcdV2Client): Promise<string> {
  const response = await client.request({ method: 'POST', key: WRITER_LOCK_PATH, form: { value: randomUUID().replaceAll('-', ''), ttl: String(WRITER_LOCK_TTL_SECONDS) } });
  if (response.status !== 201) throw etcdFailure(response, `queue for ${WRITER_LOCK_PATH}`);
  return nodeOf(response, WRITER_LOCK_PATH).key;
}

/** `_get_locker`: every leaf under the lock path, sorted; in-order keys are zero-padded, so text order is queue order. */
async function firstInLine(client: EtcdV2Client): Promise<string | undefined> {
  const response = await client.request({ method: 'GET', key: WRITER_LOCK_PATH, query: { recursive: 'true', quorum: 'true' } });
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw etcdFailure(response, `list ${WRITER_LOCK_PATH}`);
  return leafKeys(nodeOf(response, WRITER_LOCK_PATH)).sort()[0];
}

async function release(client: EtcdV2Client, key: string): Promise<void> {
  const response = await client.request({ method: 'DELETE', key });
  // 404: it expired already, as python-etcd's release also accepts.
  if (response.status !== 200 && response.status !== 404) throw etcdFailure(response, `release ${key}`);
}

export function nodeOf(response: EtcdResponse, what: string): EtcdNode {
  const parsed = etcdResultSchema.safeParse(response.json);
  if (!parsed.success) throw new CutoverError('adapter.bad-output', `etcd answered ${what} with something that is not a keys API result: ${response.text.slice(0, 200)}`);
  return parsed.data.node;
}

export function etcdFailure(response: EtcdResponse, what: string): CutoverError {
  const error = etcdErrorSchema.safeParse(response.json);
  const message = error.success ? `${error.data.errorCode} ${error.data.message}${error.data.cause === undefined ? '' : ` (${error.data.cause})`}` : response.text.slice(0, 200);
  return new CutoverError('adapter.unreachable', `etcd refused to ${what}: HTTP ${response.status} ${message}`);
}
