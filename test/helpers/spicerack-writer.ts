import { randomUUID } from 'node:crypto';

/**
 * A second lock writer that follows spicerack's protocol as written in spicerack/locking.py
 * (Lock.acquire/_acquire_lock/_etcd_locked/_set, KeyLocks.add/remove, ConcurrentLock.to_dict) and
 * python-etcd's etcd/lock.py (Lock.acquire(blocking=False, lock_ttl=15), _get_locker, release),
 * transcribed for the tests from that source and sharing no code with adapters/spicerack: if the
 * bot's adapter and this disagree about the bytes or the rules, the contention tests fail.
 * Plain HTTP to etcd's v2 keys API, unconditional writes and default (non-quorum) reads, as python-etcd.
 */
export class SpicerackWriter {
  constructor(
    private readonly url: string,
    private readonly owner: string,
    /** Epoch ms; a writer "in the past" stands for a cookbook that took its lock a while ago. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Lock.acquire, one try of `_acquire_lock` (spicerack retries LockUnavailableError for ~30 min; the test needs one). */
  async acquire(prefix: string, name: string, concurrency: number, ttl: number): Promise<string> {
    const key = `/spicerack/locks/${prefix}/${name}`;
    const uuid = randomUUID();
    await this.etcdLocked(async () => {
      const locks = await this.get(key);
      const nowUs = this.now() * 1000;
      // KeyLocks.add, line by line.
      const expired: string[] = [];
      let minConcurrency: number | undefined;
      for (const [id, other] of locks) {
        if (parseCreatedUs(other.created) + other.ttl * 1e6 < nowUs) {
          expired.push(id);
          continue;
        }
        if (other.concurrency !== 0 && locks.size >= other.concurrency && (minConcurrency === undefined || other.concurrency < minConcurrency)) minConcurrency = other.concurrency;
      }
      if (minConcurrency !== undefined) throw new Error(`LockUnavailableError: There are already ${locks.size} concurrent locks and the concurrency allowed is ${minConcurrency}`);
      for (const id of expired) locks.delete(id);
      if (concurrency !== 0 && locks.size >= concurrency) throw new Error(`LockUnavailableError: There are already ${locks.size} concurrent locks and a concurrency of ${concurrency} was requested.`);
      locks.set(uuid, { concurrency, created: strUtc(nowUs), owner: this.owner, ttl });
      await this.set(key, locks);
    });
    return uuid;
  }

  /** Lock.release. */
  async release(prefix: string, name: string, uuid: string): Promise<void> {
    const key = `/spicerack/locks/${prefix}/${name}`;
    await this.etcdLocked(async () => {
      const locks = await this.get(key);
      if (locks.delete(uuid)) await this.set(key, locks);
    });
  }

  /** `_etcd_locked` with `_acquire_etcd_lock`: python-etcd's Lock(client, "etcd"), lock_prefix /spicerack/locks. */
  async etcdLocked(work: () => Promise<void>): Promise<void> {
    const held = await this.takeWriterLock();
    try {
      await work();
    } finally {
      await this.http('DELETE', held);
    }
  }

  /** python-etcd Lock.acquire(blocking=False, lock_ttl=15): the in-order key, or an error after deleting it. */
  async takeWriterLock(): Promise<string> {
    const created = await this.http('POST', '/spicerack/locks/etcd', { value: randomUUID().replaceAll('-', ''), ttl: '15' });
    const mine = (created.body as { node: { key: string } }).node.key;
    const listing = await this.http('GET', '/spicerack/locks/etcd?recursive=true');
    const keys = ((listing.body as { node: { nodes?: { key: string }[] } }).node.nodes ?? []).map((node) => node.key).sort();
    if (keys[0] !== mine) {
      await this.http('DELETE', mine);
      throw new Error('EtcdLockUnavailableError: Lock already taken');
    }
    return mine;
  }

  async releaseWriterLock(key: string): Promise<void> {
    await this.http('DELETE', key);
  }

  /** Lock.get with KeyLocks.from_json. */
  private async get(key: string): Promise<Map<string, StoredLock>> {
    const response = await this.http('GET', key);
    if (response.status === 404) return new Map();
    return new Map(Object.entries(JSON.parse((response.body as { node: { value: string } }).node.value) as Record<string, StoredLock>));
  }

  /** Lock._set: json.dumps of the dict, or delete the key when empty. */
  private async set(key: string, locks: Map<string, StoredLock>): Promise<void> {
    if (locks.size === 0) await this.http('DELETE', key);
    else await this.http('PUT', key, { value: pythonDumps(locks) });
  }

  private async http(method: string, path: string, form?: Record<string, string>): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.url}/v2/keys${path}`, { method, ...(form === undefined ? {} : { body: new URLSearchParams(form) }) });
    const body: unknown = await response.json();
    if (response.status >= 300 && response.status !== 404) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(body)}`);
    return { status: response.status, body };
  }
}

export interface StoredLock {
  concurrency: number;
  created: string;
  owner: string;
  ttl: number;
}

/** str(datetime.now(UTC)). */
function strUtc(epochUs: number): string {
  const second = Math.floor(epochUs / 1e6);
  const micro = epochUs - second * 1e6;
  return `${new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ')}${micro === 0 ? '' : `.${String(micro).padStart(6, '0')}`}+00:00`;
}

/** datetime.fromisoformat on what spicerack stores; a naive time would make Python raise on the comparison. */
export function parseCreatedUs(created: string): number {
  const match = /^(\S+) (\d\d:\d\d:\d\d)(?:\.(\d+))?\+00:00$/.exec(created);
  if (match === null) throw new Error(`TypeError: can't compare offset-naive and offset-aware datetimes (${created})`);
  return Date.parse(`${match[1]}T${match[2]}Z`) * 1000 + Number((match[3] ?? '').padEnd(6, '0'));
}

/** json.dumps for this shape: ", " and ": " separators, ensure_ascii. */
function pythonDumps(locks: Map<string, StoredLock>): string {
  const str = (text: string): string => JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const entries = [...locks].map(([id, lock]) => `${str(id)}: {"concurrency": ${lock.concurrency}, "created": ${str(lock.created)}, "owner": ${str(lock.owner)}, "ttl": ${lock.ttl}}`);
  return `{${entries.join(', ')}}`;
}
