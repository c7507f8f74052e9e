import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as z from 'zod';
import type { LockInfo, LockView } from '../core/ports/stores.js';
import { NO_WAIT, type ReplicaWait } from './replica-wait.js';

const lockSchema = z.object({ holder: z.string(), requestId: z.string(), since: z.number(), token: z.string() });

/** Deletes the lock only if we still hold it, so an expired-and-retaken lock is never freed by its old owner. */
const RELEASE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if cjson.decode(raw).token ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

/** Extends the lock only while we still hold it. */
const RENEW = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if cjson.decode(raw).token ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
`;

/**
 * Takes the lock when it is free, or when the same request already holds it: the action job's
 * id is derived from the request id and BullMQ hands a job to one worker at a time, so a lock
 * held by this request is what a crashed run of this very job left behind. Without this, the
 * recovered job waited out the whole TTL (10 minutes) behind its own dead predecessor.
 */
const ACQUIRE = `
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw).requestId ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`;

/**
 * One mutating action per service at a time. A live holder renews the lock (`hold`), so a long
 * step (a helmfile apply, a slow pybal) never loses it half-way; the TTL only bounds how long a
 * crashed holder blocks everyone else.
 */
export class ServiceLocks implements LockView {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Waits for the replicas after a lock is taken, so a new primary does not hand it out again. */
    private readonly replicas: ReplicaWait = NO_WAIT,
  ) {}

  async acquire(service: string, info: LockInfo, ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    const value = JSON.stringify({ ...info, token });
    const ok = await this.redis.eval(ACQUIRE, 1, this.key(service), value, info.requestId, ttlMs);
    if (ok !== 1) return undefined;
    await this.replicas.after(this.redis, `lock of ${service}`);
    return token;
  }

  async renew(service: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key(service), token, ttlMs)) === 1;
  }

  /** Renews the lock every third of its TTL until the returned function is called. */
  keepAlive(service: string, token: string, ttlMs: number, onError: (error: unknown) => void): () => void {
    const timer = setInterval(() => {
      this.renew(service, token, ttlMs).catch(onError);
    }, Math.max(1000, Math.floor(ttlMs / 3)));
    timer.unref();
    return () => clearInterval(timer);
  }

  async release(service: string, token: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE, 1, this.key(service), token)) === 1;
  }

  async current(service: string): Promise<LockInfo | undefined> {
    const raw = await this.redis.get(this.key(service));
    if (raw === null) return undefined;
    const parsed = lockSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return undefined;
    const { holder, requestId, since } = parsed.data;
    return { holder, requestId, since };
  }

  private key(service: string): string {
    return `${this.prefix}:lock:${service}`;
  }
}
