import type { Redis } from 'ioredis';
import type { AuditEntry, AuditFilter, AuditLog, AuditReader, AuditRecord, Clock } from '../commands/ports.js';

const SCAN_LIMIT = 5000;

/** Append-only: a Redis Stream is never rewritten, only added to; nothing here trims it. */
export class RedisAuditLog implements AuditLog, AuditReader {
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

  /** Scans back at most SCAN_LIMIT entries: history is for recent questions, exports go to the stream itself. */
  async recent(filter: AuditFilter): Promise<AuditRecord[]> {
    const found: AuditRecord[] = [];
    for (const raw of await this.entries(SCAN_LIMIT)) {
      const record: AuditRecord = {
        id: raw['id'] ?? '',
        at: raw['at'] ?? '',
        event: raw['event'] ?? '',
        service: raw['service'] ?? '',
        who: raw['who'] ?? '',
        where: raw['where'] ?? '',
        detail: raw['detail'] ?? '',
        ...(raw['request'] === undefined || raw['request'] === '' ? {} : { requestId: raw['request'] }),
      };
      if (record.service !== filter.service && record.service !== '-') continue;
      if (filter.who !== undefined && record.who !== filter.who) continue;
      if (filter.event !== undefined && record.event !== filter.event && !record.event.startsWith(`${filter.event}.`)) continue;
      if (filter.requestId !== undefined && record.requestId !== filter.requestId) continue;
      found.push(record);
      if (found.length >= filter.limit) break;
    }
    return found;
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
