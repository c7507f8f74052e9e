import type { Redis } from 'ioredis';

export interface StoredRef {
  transport: string;
  channel: string;
  id: string;
}

const RETENTION_SECONDS = 7 * 24 * 3600;
/** Announcements kept in memory for their results' delivery; a few hundred cover every request under way. */
const LOCAL_LIMIT = 500;

/** Both directions at once, as a MULTI did, in one command: a MULTI of three cost the client several times the CPU (it is on every request's announcement). */
const REMEMBER = `
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
`;

/**
 * Remembers which chat message announced which request, both ways: a reaction on the message
 * finds its request, and a result finds the message to thread under. In Redis, so it survives
 * a restart of the gateway. What this process announced itself it also keeps in memory: a result
 * is threaded under it without a round trip to Redis on the delivery hop. The announcement of a
 * request is written once (the gateway remembers it only when it has none), so that copy holds.
 */
export class RequestMessages {
  private readonly announced = new Map<string, StoredRef>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async remember(requestId: string, ref: StoredRef): Promise<void> {
    await this.redis.eval(REMEMBER, 2, this.byMessage(ref), this.byRequest(requestId), requestId, ref.transport, JSON.stringify(ref), RETENTION_SECONDS);
    const key = `${requestId}\u0000${ref.transport}`;
    this.announced.delete(key);
    this.announced.set(key, ref);
    if (this.announced.size > LOCAL_LIMIT) this.announced.delete(this.announced.keys().next().value ?? key);
  }

  async requestFor(ref: StoredRef): Promise<string | undefined> {
    return (await this.redis.get(this.byMessage(ref))) ?? undefined;
  }

  async messageFor(requestId: string, transport: string): Promise<StoredRef | undefined> {
    const local = this.announced.get(`${requestId}\u0000${transport}`);
    if (local !== undefined) return local;
    const raw = await this.redis.hget(this.byRequest(requestId), transport);
    return raw === null ? undefined : (JSON.parse(raw) as StoredRef);
  }

  private byMessage(ref: StoredRef): string {
    return `${this.prefix}:msg:${ref.transport}:${ref.channel}:${ref.id}`;
  }

  private byRequest(requestId: string): string {
    return `${this.prefix}:msg-of:${requestId}`;
  }
}
