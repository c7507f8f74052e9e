import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isCutoverError } from '../../core/errors.js';
import { LeaderLease } from '../../jobs/leader-lease.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

describe('leader lease (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  const clocks = new Map<string, number>();

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => cleanupPrefix(redis, prefix));
  afterAll(async () => redis.quit());

  /** A contender with its own hand-moved clock: its local deadline moves only when the test says. */
  function contender(instance: string, leaseMs = 400): LeaderLease {
    clocks.set(instance, Date.now());
    return new LeaderLease({ client: redis, prefix, instance, host: 'test-host', pid: 4242, leaseMs, now: () => clocks.get(instance) ?? 0 });
  }

  async function fenceError(check: Promise<void>): Promise<unknown> {
    return check.then(() => undefined, (error: unknown) => error);
  }

  it('one holder at a time: the record names it, renew and release are the holder’s alone, a release is published', async () => {
    prefix = uniquePrefix('lease-basic');
    const a = contender('a');
    const b = contender('b');
    const token = await a.acquire();
    expect(token).toBe(1);
    expect(await b.acquire()).toBeUndefined();
    expect(await a.current()).toMatchObject({ instance: 'a', token: 1, host: 'test-host', pid: 4242 });
    expect(await redis.pttl(a.key)).toBeGreaterThan(0);

    // b never held it: it can neither renew nor release a's lease.
    expect(await b.renew()).toBe(false);
    expect(await b.release()).toBe(false);
    expect(await a.renew()).toBe(true);

    const subscriber = new Redis(TEST_REDIS_URL);
    const published = new Promise<string>((resolve) => subscriber.on('message', (_channel: string, message: string) => resolve(message)));
    await subscriber.subscribe(a.releasedChannel);
    expect(await a.release()).toBe(true);
    expect(await published).toBe('1');
    await subscriber.quit();
    expect(await a.current()).toBeUndefined();
    expect(await b.acquire()).toBe(2);
  });

  it('a lease that expired is taken by another with a larger token; the stale holder can no longer renew, and its fence throws fence.lost', async () => {
    prefix = uniquePrefix('lease-steal');
    const a = contender('a', 300);
    const b = contender('b', 300);
    const first = await a.acquire();
    const fenceA = a.fence();
    await fenceA.check();
    expect(await b.acquire()).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 450));
    const second = await b.acquire();
    expect(second).toBeGreaterThan(first ?? Infinity);
    await b.fence().check();

    // a's clock has not moved (a stalled process): only Redis can tell it, and does.
    expect(a.holdsLocally()).toBe(true);
    const error = await fenceError(fenceA.check());
    expect(isCutoverError(error, 'fence.lost')).toBe(true);
    expect((error as Error).message).toMatch(/leader lease \d+ of a is no longer current \(b holds lease \d+\)/);
    expect(await a.renew()).toBe(false);
    expect(a.holdsLocally()).toBe(false);
    expect(await a.release()).toBe(false);
    expect(await b.current()).toMatchObject({ instance: 'b', token: second });
  });

  it('a holder whose own deadline passed fences itself without asking Redis, even while Redis still names it', async () => {
    prefix = uniquePrefix('lease-local');
    const a = contender('a', 60_000);
    await a.acquire();
    const fence = a.fence();
    clocks.set('a', (clocks.get('a') ?? 0) + 60_000);
    expect(a.holdsLocally()).toBe(false);
    expect(a.token).toBeUndefined();
    expect(isCutoverError(await fenceError(fence.check()), 'fence.lost')).toBe(true);
    expect((await a.current())?.instance).toBe('a');
  });

  it('tokens strictly increase across many holders, released or expired', async () => {
    prefix = uniquePrefix('lease-epoch');
    const tokens: number[] = [];
    for (let round = 0; round < 6; round += 1) {
      const lease = contender(`i${round}`, 150);
      const token = await lease.acquire();
      if (token === undefined) throw new Error(`round ${round}: the lease was not free`);
      tokens.push(token);
      if (round % 2 === 0) await lease.release();
      else await new Promise((resolve) => setTimeout(resolve, 220));
    }
    expect(tokens).toEqual([...tokens].sort((x, y) => x - y));
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(Number(await redis.get(`${prefix}:leader:epoch`))).toBe(tokens.at(-1));
  });

  it('a fence taken before a release stays refused after the same instance leads again with a new token', async () => {
    prefix = uniquePrefix('lease-reelect');
    const a = contender('a');
    await a.acquire();
    const old = a.fence();
    await a.release();
    await a.acquire();
    expect(isCutoverError(await fenceError(old.check()), 'fence.lost')).toBe(true);
    await a.fence().check();
  });
});
