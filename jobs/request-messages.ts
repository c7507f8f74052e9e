import type { Redis } from 'ioredis';

export interface StoredRef {
  transport: string;
  channel: string;
  id: string;
}

const RETENTION_SECONDS = 7 * 24 * 3600;

/**
 * Remembers which chat message announced which request, both ways: a reaction on the message
 * finds its request, and a result finds the message to thread under. In Redis, so it survives
 * a restart of the gateway.
 */
export class RequestMessages {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async remember(requestId: string, ref: StoredRef): Promise<void> {
    await this.redis
      .multi()
      .set(this.byMessage(ref), requestId, 'EX', RETENTION_SECONDS)
      .hset(this.byRequest(requestId), ref.transport, JSON.stringify(ref))
      .expire(this.byRequest(requestId), RETENTION_SECONDS)
      .exec();
  }

  async requestFor(ref: StoredRef): Promise<string | undefined> {
    return (await this.redis.get(this.byMessage(ref))) ?? undefined;
  }

  async messageFor(requestId: string, transport: string): Promise<StoredRef | undefined> {
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
