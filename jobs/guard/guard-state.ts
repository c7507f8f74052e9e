import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import * as z from 'zod';

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const analysisStateSchema = z.strictObject({
  at: z.number(),
  failures: z.int().min(0),
  /** The last verdict said in the channel, so an inconclusive stretch is said once. */
  announced: z.enum(['pass', 'fail', 'inconclusive']).optional(),
});
export type AnalysisState = z.infer<typeof analysisStateSchema>;

/**
 * The guard's own bookkeeping, per service: when it last looked (the watchdog reads this), and the
 * health analysis of each pool between ticks. In Redis, so a restarted or another process goes on.
 */
export class GuardState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async markTick(service: string, at: number): Promise<void> {
    await this.redis.hset(this.key(service), 'lastTickAt', String(at));
  }

  async lastTick(service: string): Promise<number | undefined> {
    const raw = await this.redis.hget(this.key(service), 'lastTickAt');
    return raw === null ? undefined : Number(raw);
  }

  /**
   * Keeps `token`'s tick lock for another `ttlMs` while its tick runs: the TTL can then be short, so a
   * process killed in the middle of a tick blinds the guard of the others for one TTL, not more.
   */
  async renew(service: string, token: string, ttlMs: number): Promise<boolean> {
    const renew = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
    return (await this.redis.eval(renew, 1, `${this.key(service)}:tick`, token, String(ttlMs))) === 1;
  }

  async analysis(service: string, pool: string): Promise<AnalysisState | undefined> {
    const raw = await this.redis.hget(this.key(service), `analysis:${pool}`);
    if (raw === null) return undefined;
    const parsed = analysisStateSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  async setAnalysis(service: string, pool: string, state: AnalysisState): Promise<void> {
    await this.redis.hset(this.key(service), `analysis:${pool}`, JSON.stringify(analysisStateSchema.parse(state)));
  }

  /**
   * True the first time `topic` comes up within `quietMs`: an inconclusive stretch (a wave of workers
   * joining a pool with no traffic yet) is said once for the pool, not once per look.
   */
  async firstMention(service: string, topic: string, quietMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.key(service)}:said:${topic}`, '1', 'PX', quietMs, 'NX')) === 'OK';
  }

  /** One tick at a time per service, across every process sharing this Redis: the token it returns frees it. */
  async tryLock(service: string, ttlMs: number): Promise<string | undefined> {
    const token = randomUUID();
    return (await this.redis.set(`${this.key(service)}:tick`, token, 'PX', ttlMs, 'NX')) === 'OK' ? token : undefined;
  }

  /** Frees the lock only while it is still `token`'s: a tick that outlived its TTL must not free the next tick's. */
  async unlock(service: string, token: string): Promise<void> {
    await this.redis.eval(UNLOCK, 1, `${this.key(service)}:tick`, token);
  }

  /** Whether a look is running now: tells a slow look (probes hanging) from no look at all. */
  async ticking(service: string): Promise<boolean> {
    return (await this.redis.exists(`${this.key(service)}:tick`)) === 1;
  }

  private key(service: string): string {
    return `${this.prefix}:guard:${service}`;
  }
}
