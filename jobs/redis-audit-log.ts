import type { Redis } from 'ioredis';
import type { AuditEntry, AuditLog, Clock } from '../commands/ports.js';

/** Append-only: a Redis Stream is never rewritten, only added to; nothing here trims it. */
export class RedisAuditLog implements AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.redis.xadd(
      `${this.prefix}:audit`,
      '*',
      'at',
      new Date(this.clock.now()).toISOString(),
      'event',
      entry.event,
      'service',
      entry.service,
      'who',
      entry.who,
      'where',
      entry.where,
      'request',
      entry.requestId ?? '',
      'detail',
      entry.detail,
    );
  }

  async entries(count = 100): Promise<Record<string, string>[]> {
    const raw = await this.redis.xrevrange(`${this.prefix}:audit`, '+', '-', 'COUNT', count);
    return raw.map(([id, fields]) => {
      const record: Record<string, string> = { id };
      for (let index = 0; index + 1 < fields.length; index += 2) record[fields[index] ?? ''] = fields[index + 1] ?? '';
      return record;
    });
  }
}
