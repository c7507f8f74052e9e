import { CutoverError } from '../../core/errors.js';
import type { EtcdV2Client } from '../conftool/etcd-client.js';
import { ETCD_COMPARE_FAILED, ETCD_KEY_NOT_FOUND, ETCD_NODE_EXIST, etcdErrorSchema } from '../conftool/etcd-schemas.js';
import type { CreatedStyle } from './created-time.js';
import { leaves } from './etcd-tree.js';
import { etcdFailure, nodeOf, withWriterLock, type Attempt, type WriterLockOptions } from './etcd-writer-lock.js';
import { addLock, formatKeyLocks, isExpired, parseKeyLocks, type ConcurrentLock, type KeyLocks } from './key-locks.js';

/** spicerack's KEYS_BASE_PATH and ALLOWED_PREFIXES. */
export const LOCKS_BASE_PATH = '/spicerack/locks';
export type LockPrefix = 'cookbooks' | 'custom' | 'modules';

export interface LockHolder {
  key: string;
  id: string;
  owner: string;
  ageSeconds: number;
  ttlSeconds: number;
  concurrency: number;
}

export interface AcquireRequest {
  concurrency: number;
  ttlSeconds: number;
  owner: string;
  /**
   * Other locks that forbid this one, judged from every live lock under these prefixes, read while
   * spicerack's writer lock is held so no cookbook can take one between the check and the write.
   */
  blockedBy?: { prefixes: readonly LockPrefix[]; match: (holder: LockHolder) => boolean };
}

export type AcquireOutcome = { ok: true; key: string; id: string } | { ok: false; reason: 'held'; holders: LockHolder[] } | { ok: false; reason: 'busy'; detail: string };

export interface SpicerackLocksOptions {
  createdStyle: CreatedStyle;
  writerLock: WriterLockOptions;
  /** Epoch milliseconds. */
  now?: () => number;
  newId?: () => string;
}

/**
 * spicerack's `Lock` (spicerack/locking.py) over the etcd v2 keys API: `{prefix}/{name}` under
 * /spicerack/locks holds every concurrent lock on that name, and every change to it is made under
 * spicerack's etcd writer lock. Unlike spicerack, acquire does not wait for a held lock: it says
 * who holds it. Writes are also compare-and-swap on what was read, which spicerack does not need
 * and which costs nothing: a writer that ignored the writer lock makes us try again, not clobber it.
 */
export class SpicerackLocks {
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(
    private readonly client: EtcdV2Client,
    private readonly options: SpicerackLocksOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => crypto.randomUUID());
  }

  static key(prefix: LockPrefix, name: string): string {
    // spicerack's _get_key: "/" would be a directory, and modules locks name a spicerack module.
    if (name === '' || name.includes('/')) throw new CutoverError('input.invalid', `A spicerack lock name cannot be empty or contain "/": ${JSON.stringify(name)}`);
    if (prefix === 'modules' && !name.startsWith('spicerack.')) throw new CutoverError('input.invalid', `Locks with prefix "modules" must be named spicerack.*: ${name}`);
    return `${LOCKS_BASE_PATH}/${prefix}/${name}`;
  }

  async acquire(prefix: LockPrefix, name: string, request: AcquireRequest): Promise<AcquireOutcome> {
    const key = SpicerackLocks.key(prefix, name);
    const id = this.newId();
    const outcome = await withWriterLock<AcquireOutcome>(this.client, this.options.writerLock, async () => {
      const nowMicros = this.now() * 1000;
      if (request.blockedBy !== undefined) {
        const blocking = (await this.scan(request.blockedBy.prefixes, nowMicros)).filter(request.blockedBy.match);
        if (blocking.length > 0) return { done: true, value: { ok: false, reason: 'held', holders: blocking } };
      }
      const stored = await this.read(key);
      const added = addLock(stored.locks, { uuid: id, concurrency: request.concurrency, owner: request.owner, ttl: request.ttlSeconds }, nowMicros, this.options.createdStyle);
      if (!added.ok) return { done: true, value: { ok: false, reason: 'held', holders: live(key, stored.locks, nowMicros) } };
      const written = await this.write(key, added.locks, stored.index);
      return written.done ? { done: true, value: { ok: true, key, id } } : written;
    });
    return outcome.done ? outcome.value : { ok: false, reason: 'busy', detail: outcome.why };
  }

  /** Removes our uuid only; the key goes when no lock is left in it (spicerack's `_set`). False when it was not there (expired). */
  async release(key: string, id: string): Promise<boolean> {
    const outcome = await withWriterLock<boolean>(this.client, this.options.writerLock, async () => {
      const stored = await this.read(key);
      if (!stored.locks.some((lock) => lock.uuid === id)) return { done: true, value: false };
      const written = await this.write(key, stored.locks.filter((lock) => lock.uuid !== id), stored.index);
      return written.done ? { done: true, value: true } : written;
    });
    if (!outcome.done) throw new CutoverError('adapter.timeout', `Could not release spicerack lock ${key} (${id}): ${outcome.why}. It expires with its TTL.`);
    return outcome.value;
  }

  /** Live locks on one name. */
  async holders(prefix: LockPrefix, name: string): Promise<LockHolder[]> {
    const key = SpicerackLocks.key(prefix, name);
    return live(key, (await this.read(key)).locks, this.now() * 1000);
  }

  /** Live locks on every name under these prefixes; a quorum read per prefix, no writer lock (reading needs none). */
  async scan(prefixes: readonly LockPrefix[], nowMicros = this.now() * 1000): Promise<LockHolder[]> {
    const holders: LockHolder[] = [];
    for (const prefix of prefixes) {
      const directory = `${LOCKS_BASE_PATH}/${prefix}`;
      const response = await this.client.request({ method: 'GET', key: directory, query: { recursive: 'true', quorum: 'true' } });
      if (response.status === 404 && errorCode(response.json) === ETCD_KEY_NOT_FOUND) continue;
      if (response.status !== 200) throw etcdFailure(response, `list ${directory}`);
      for (const leaf of leaves(nodeOf(response, directory))) {
        if (leaf.value !== undefined) holders.push(...live(leaf.key, parseKeyLocks(leaf.key, leaf.value), nowMicros));
      }
    }
    return holders;
  }

  private async read(key: string): Promise<{ locks: KeyLocks; index: number | null }> {
    const response = await this.client.request({ method: 'GET', key, query: { quorum: 'true' } });
    if (response.status === 404 && errorCode(response.json) === ETCD_KEY_NOT_FOUND) return { locks: [], index: null };
    if (response.status !== 200) throw etcdFailure(response, `read ${key}`);
    const node = nodeOf(response, key);
    if (node.dir === true || node.value === undefined) throw new CutoverError('adapter.bad-output', `spicerack lock ${key} is a directory, not a lock.`);
    return { locks: parseKeyLocks(key, node.value), index: node.modifiedIndex };
  }

  /** `_set`: the JSON, or a delete when no lock is left; conditional on the index read. */
  private async write(key: string, locks: KeyLocks, index: number | null): Promise<Attempt<never> | { done: true }> {
    const condition: Record<string, string> = index === null ? { prevExist: 'false' } : { prevIndex: String(index) };
    if (locks.length === 0 && index === null) return { done: true };
    const response =
      locks.length === 0
        ? await this.client.request({ method: 'DELETE', key, query: condition })
        : await this.client.request({ method: 'PUT', key, form: { value: formatKeyLocks(locks), ...condition } });
    if (response.status === 200 || response.status === 201) return { done: true };
    const code = errorCode(response.json);
    if (code === ETCD_COMPARE_FAILED || code === ETCD_NODE_EXIST || code === ETCD_KEY_NOT_FOUND) return { done: false, why: `${key} changed while spicerack's writer lock was ours` };
    throw etcdFailure(response, `write ${key}`);
  }
}

function live(key: string, locks: readonly ConcurrentLock[], nowMicros: number): LockHolder[] {
  return locks
    .filter((lock) => !isExpired(lock, nowMicros))
    .map((lock) => ({ key, id: lock.uuid, owner: lock.owner, ageSeconds: Math.max(0, Math.floor((nowMicros - lock.createdMicros) / 1_000_000)), ttlSeconds: lock.ttl, concurrency: lock.concurrency }));
}

function errorCode(json: unknown): number | undefined {
  const parsed = etcdErrorSchema.safeParse(json);
  return parsed.success ? parsed.data.errorCode : undefined;
}
