import type { Redis } from 'ioredis';

/** Who says that a watch went stale, and that it recovered: exactly one process each time. */
export interface EpisodeLedger {
  /** True for the one caller that opens this episode (the watch stale since `episode`, its last check). */
  open(watch: string, episode: string): Promise<boolean>;
  /** True for the one caller that closes the open episode of the watch, if there is one. */
  close(watch: string): Promise<boolean>;
}

/**
 * The value is the open episode, or `closed:<episode>` once it recovered: a process that read the
 * stale watch just before another saw it recover cannot open the same episode again.
 */
const OPEN = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or current == ('closed:' .. ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

const CLOSE = `
local current = redis.call('GET', KEYS[1])
if not current or string.sub(current, 1, 7) == 'closed:' then return 0 end
redis.call('SET', KEYS[1], 'closed:' .. current, 'PX', ARGV[1])
return 1
`;

/** A week: long past any episode anyone still cares about, and nothing piles up in Redis. */
const KEEP_MS = 7 * 24 * 3600_000;

/** Stale episodes in Redis, so several gateways sharing it say each line once between them. */
export class RedisEpisodes implements EpisodeLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async open(watch: string, episode: string): Promise<boolean> {
    return (await this.redis.eval(OPEN, 1, this.key(watch), episode, String(KEEP_MS))) === 1;
  }

  async close(watch: string): Promise<boolean> {
    return (await this.redis.eval(CLOSE, 1, this.key(watch), String(KEEP_MS))) === 1;
  }

  private key(watch: string): string {
    return `${this.prefix}:watchdog:${watch}`;
  }
}
