import type { Redis } from 'ioredis';
import { CutoverError } from '../../core/errors.js';
import type { PoolRef } from '../../core/inventory.js';
import { workerRecordSchema, type WorkerRecord } from '../../core/policy/worker-proof.js';

/** Replaces one worker's record only if it is still the one read (or still absent). */
const UPDATE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if (current or '') ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
`;

/** Where proof records live: Redis in the bot, a map in unit tests. */
export interface ProofRecords {
  all(service: string, pool: PoolRef): Promise<Map<string, WorkerRecord>>;
  /** Applies `change` atomically to one worker's record; returning undefined deletes it. */
  update(service: string, pool: PoolRef, fqdn: string, change: (current: WorkerRecord | undefined) => WorkerRecord | undefined): Promise<WorkerRecord | undefined>;
  /** Sets (or with undefined deletes) one worker's record whatever it was: a record that starts over reads nothing first. */
  replace(service: string, pool: PoolRef, fqdn: string, record: WorkerRecord | undefined): Promise<void>;
}

/**
 * What real traffic has shown of each worker, per pool, in Redis: the guard, the pool writer and
 * the plan all read and write it, from any process, and it survives a restart.
 */
export class ProofStore implements ProofRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async all(service: string, pool: PoolRef): Promise<Map<string, WorkerRecord>> {
    const raw = await this.redis.hgetall(this.key(service, pool));
    const records = new Map<string, WorkerRecord>();
    for (const [fqdn, json] of Object.entries(raw)) {
      const parsed = workerRecordSchema.safeParse(safeJson(json));
      // A record this version cannot read proves nothing: the worker is treated as unchecked.
      if (parsed.success) records.set(fqdn, parsed.data);
    }
    return records;
  }

  /** Applies `change` atomically to one worker's record; returning undefined deletes it. */
  async update(service: string, pool: PoolRef, fqdn: string, change: (current: WorkerRecord | undefined) => WorkerRecord | undefined): Promise<WorkerRecord | undefined> {
    const key = this.key(service, pool);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const raw = (await this.redis.hget(key, fqdn)) ?? '';
      const parsed = raw === '' ? undefined : workerRecordSchema.safeParse(safeJson(raw));
      const next = change(parsed?.success === true ? parsed.data : undefined);
      const json = next === undefined ? '' : JSON.stringify(workerRecordSchema.parse(next));
      if ((await this.redis.eval(UPDATE, 1, key, fqdn, raw, json)) === 1) return next;
    }
    throw new CutoverError('redis.unavailable', `The proof record of ${fqdn} kept changing under us.`);
  }

  async replace(service: string, pool: PoolRef, fqdn: string, record: WorkerRecord | undefined): Promise<void> {
    const key = this.key(service, pool);
    if (record === undefined) await this.redis.hdel(key, fqdn);
    else await this.redis.hset(key, fqdn, JSON.stringify(workerRecordSchema.parse(record)));
  }

  private key(service: string, pool: PoolRef): string {
    return `${this.prefix}:proof:${service}:${pool.dc}:${pool.lvsService}`;
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
