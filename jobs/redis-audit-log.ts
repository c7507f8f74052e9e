import type { Redis } from 'ioredis';
import type { AuditEntry, AuditFilter, AuditLog, AuditReader, AuditRecord, Clock } from '../core/ports/stores.js';

const SCAN_LIMIT = 5000;
const EXPORT_PAGE = 1000;

/** Append-only: a Redis Stream is never rewritten, only added to; nothing here trims it. */
export class RedisAuditLog implements AuditLog, AuditReader {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly clock: Clock,
    /** Told after each entry is stored (the bot's metrics count them). */
    private readonly onAppend: (entry: AuditEntry) => void = () => undefined,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.redis.xadd(
      this.key,
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
    this.onAppend(entry);
  }

  /** Scans back at most SCAN_LIMIT entries: history is for recent questions; `exportAll` is for the whole trail. */
  async recent(filter: AuditFilter): Promise<AuditRecord[]> {
    const found: AuditRecord[] = [];
    const raw = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', SCAN_LIMIT);
    for (const [id, fields] of raw) {
      const record = toRecord(id, fields);
      if (record.service !== filter.service && record.service !== '-') continue;
      if (filter.who !== undefined && record.who !== filter.who) continue;
      if (filter.event !== undefined && record.event !== filter.event && !record.event.startsWith(`${filter.event}.`)) continue;
      if (filter.requestId !== undefined && record.requestId !== filter.requestId) continue;
      found.push(record);
      if (found.length >= filter.limit) break;
    }
    return found;
  }

  /** Every record from `sinceMs` on, oldest first, read in pages so a long trail never sits in memory at once. */
  async *exportAll(sinceMs = 0): AsyncGenerator<AuditRecord> {
    let start = `${sinceMs}-0`;
    for (;;) {
      const page = await this.redis.xrange(this.key, start, '+', 'COUNT', EXPORT_PAGE);
      for (const [id, fields] of page) yield toRecord(id, fields);
      const last = page.at(-1);
      if (last === undefined || page.length < EXPORT_PAGE) return;
      start = `(${last[0]}`;
    }
  }

  private get key(): string {
    return `${this.prefix}:audit`;
  }
}

function toRecord(id: string, fields: string[]): AuditRecord {
  const value: Record<string, string> = {};
  for (let index = 0; index + 1 < fields.length; index += 2) value[fields[index] ?? ''] = fields[index + 1] ?? '';
  return {
    id,
    at: value['at'] ?? '',
    event: value['event'] ?? '',
    service: value['service'] ?? '',
    who: value['who'] ?? '',
    where: value['where'] ?? '',
    detail: value['detail'] ?? '',
    ...(value['request'] === undefined || value['request'] === '' ? {} : { requestId: value['request'] }),
  };
}
