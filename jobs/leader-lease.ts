import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import * as z from 'zod';
import { CutoverError } from '../core/errors.js';
import type { Fence } from '../core/ports/fence.js';
import type { LeaderRecord } from '../core/ports/leadership.js';

// Takes the lease only when nobody holds it; the token comes from the epoch so it only ever grows.
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
local record = string.gsub(ARGV[1], '"token":0', '"token":' .. token, 1)
redis.call('SET', KEYS[1], record, 'PX', ARGV[2])
return token`;
// Renew and release are the holder's alone: the token in the stored record must be the caller's.
const RENEW = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if cjson.decode(raw).token ~= tonumber(ARGV[1]) then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;
const RELEASE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if cjson.decode(raw).token ~= tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1`;

/** How long a fence check Redis confirmed stands for the next ones, besides the local deadline. */
const RECONFIRM_MS = 200;

const recordSchema = z.object({ instance: z.string(), token: z.int().positive(), pid: z.int(), host: z.string(), since: z.number() });

/** A margin under Redis's own expiry: the holder believes itself expired a little before Redis does. */
const LOCAL_MARGIN_MS = 250;

export interface LeaderLeaseOptions {
  client: Redis;
  prefix: string;
  instance: string;
  host: string;
  pid: number;
  leaseMs: number;
  now?: () => number;
}

/**
 * The leader lease: `<prefix>:leader` holds {instance, token, pid, host, since} with a PX expiry,
 * the token from INCR of `<prefix>:leader:epoch`. The holder also keeps its own deadline (when it
 * last asked to renew, plus the lease), so it knows it has lapsed without asking Redis, which may
 * be exactly what it cannot reach.
 */
export class LeaderLease {
  readonly key: string;
  readonly epochKey: string;
  /** Where a release is published, so a standby takes over at once rather than at its next poll. */
  readonly releasedChannel: string;
  private held: { token: number; since: number; deadline: number } | undefined;
  private readonly now: () => number;

  constructor(private readonly options: LeaderLeaseOptions) {
    this.key = `${options.prefix}:leader`;
    this.epochKey = `${options.prefix}:leader:epoch`;
    this.releasedChannel = `${options.prefix}:leader:released`;
    this.now = options.now ?? Date.now;
  }

  /** The token while this instance holds the lease and its deadline has not passed, else undefined. */
  get token(): number | undefined {
    return this.holdsLocally() ? this.held?.token : undefined;
  }

  /** True while this instance took the lease and its own deadline has not passed: no Redis call. */
  holdsLocally(): boolean {
    return this.held !== undefined && this.now() < this.held.deadline;
  }

  /** Takes the lease if it is free; the new token, or undefined while someone holds it. */
  async acquire(): Promise<number | undefined> {
    const asked = this.now();
    const record: LeaderRecord = { instance: this.options.instance, token: 0, pid: this.options.pid, host: this.options.host, since: asked };
    const token = Number(await this.options.client.eval(ACQUIRE, 2, this.key, this.epochKey, JSON.stringify(record), this.options.leaseMs));
    if (token === 0) return undefined;
    this.held = { token, since: asked, deadline: asked + this.options.leaseMs - LOCAL_MARGIN_MS };
    return token;
  }

  /** Extends the lease; false once another holder has it or it expired (this instance then holds nothing). */
  async renew(): Promise<boolean> {
    const held = this.held;
    if (held === undefined) return false;
    const asked = this.now();
    const ok = Number(await this.options.client.eval(RENEW, 1, this.key, held.token, this.options.leaseMs)) === 1;
    if (this.held !== held) return false;
    if (ok) held.deadline = asked + this.options.leaseMs - LOCAL_MARGIN_MS;
    else this.held = undefined;
    return ok;
  }

  /** Forgets the lease locally (a holder that lapsed); Redis lets it expire. */
  forget(): void {
    this.held = undefined;
  }

  /** Gives the lease up and publishes it, so a standby takes it at once; a no-op when this instance holds none. */
  async release(): Promise<boolean> {
    const held = this.held;
    this.held = undefined;
    if (held === undefined) return false;
    return Number(await this.options.client.eval(RELEASE, 2, this.key, this.releasedChannel, held.token)) === 1;
  }

  /** Who holds the lease now, as Redis says. */
  async current(): Promise<LeaderRecord | undefined> {
    const raw = await this.options.client.get(this.key);
    if (raw === null) return undefined;
    const parsed = recordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  /**
   * A fence for the token held now: its check passes while this instance still holds that very
   * token, locally (its deadline) and in Redis (one GET), and throws fence.lost once it does not.
   */
  fence(): Fence {
    const token = this.held?.token;
    const label = `leader lease ${token ?? '(none)'} of ${this.options.instance}`;
    let confirmedAt = -Infinity;
    return {
      label,
      check: async () => {
        if (token === undefined || this.held?.token !== token || !this.holdsLocally()) throw lost(label, 'lapsed here');
        // The local deadline alone cannot see the lease lost with a Redis primary that failed over
        // before replicating it; Redis is asked again once a burst of checks (a wave's lines) is past.
        // Real elapsed time, not the lease's clock: what this bounds is how long a stall can hide.
        if (performance.now() - confirmedAt < RECONFIRM_MS) return;
        const asked = performance.now();
        const holder = await this.current();
        if (holder?.token !== token) throw lost(label, holder === undefined ? 'nobody holds it' : `${holder.instance} holds lease ${holder.token}`);
        confirmedAt = asked;
      },
    };
  }
}

function lost(label: string, why: string): CutoverError {
  return new CutoverError('fence.lost', `${label} is no longer current (${why}); not acting on it.`);
}
