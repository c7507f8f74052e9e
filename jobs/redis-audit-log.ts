import type { Redis } from 'ioredis';
import type { AuditEntry, AuditFilter, AuditLog, AuditReader, AuditRecord, Clock } from '../core/ports/stores.js';
import { NO_WAIT, type ReplicaWait } from './replica-wait.js';

const SCAN_LIMIT = 5000;
const EXPORT_PAGE = 1000;
/**
 * Refusals kept (about; Redis trims whole nodes): enough to study any flood, never enough to fill
 * a Redis that evicts nothing. Anyone in a channel can cause a refusal; nobody else's entry is capped.
 */
export const REFUSAL_CAP = 10_000;

/** `command.refused`, `approval.refused`: what a stranger can make happen at will, kept apart. */
export function isRefusal(event: string): boolean {
  return event === 'refused' || event.endsWith('.refused');
}

/**
 * Two streams. `<prefix>:audit` holds everything that changed or could have changed something
 * (requests, approvals, actions, commands run) and is never trimmed. Refusals go to
 * `<prefix>:audit:refused`, capped at REFUSAL_CAP: a flood of refused commands once hid every real
 * entry from `history` and the status page (which scan the newest SCAN_LIMIT), and grew without end.
 */
export class RedisAuditLog implements AuditLog, AuditReader {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly clock: Clock,
    /** Told after each entry is stored (the bot's metrics count them). */
    private readonly onAppend: (entry: AuditEntry) => void = () => undefined,
    /** Waits for the replicas after each kept entry; refusals are not worth the wait. */
    private readonly replicas: ReplicaWait = NO_WAIT,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    const fields = [
      'at', new Date(this.clock.now()).toISOString(),
      'event', entry.event,
      'service', entry.service,
      'who', entry.who,
      ...(entry.as === undefined ? [] : ['as', entry.as]),
      'where', entry.where,
      'request', entry.requestId ?? '',
      'detail', entry.detail,
    ];
    if (isRefusal(entry.event)) await this.redis.xadd(this.refusedKey, 'MAXLEN', '~', REFUSAL_CAP, '*', ...fields);
    else {
      await this.redis.xadd(this.key, '*', ...fields);
      await this.replicas.after(this.redis, `audit ${entry.event}`);
    }
    this.onAppend(entry);
  }

  /**
   * Scans back at most SCAN_LIMIT entries: history is for recent questions; `exportAll` is for the
   * whole trail. Refusals are read only when asked for (`--event command.refused`, `--event refused`),
   * so however many there are, approvals and actions are found.
   */
  async recent(filter: AuditFilter): Promise<AuditRecord[]> {
    const refusals = filter.event !== undefined && isRefusal(filter.event);
    const found: AuditRecord[] = [];
    const raw = await this.redis.xrevrange(refusals ? this.refusedKey : this.key, '+', '-', 'COUNT', SCAN_LIMIT);
    for (const [id, fields] of raw) {
      const record = toRecord(id, fields);
      if (record.service !== filter.service && record.service !== '-') continue;
      if (filter.who !== undefined && record.who !== filter.who) continue;
      if (filter.event !== undefined && filter.event !== 'refused' && record.event !== filter.event && !record.event.startsWith(`${filter.event}.`)) continue;
      if (filter.requestId !== undefined && record.requestId !== filter.requestId) continue;
      found.push(record);
      if (found.length >= filter.limit) break;
    }
    return found;
  }

  /** Every record from `sinceMs` on, both streams merged oldest first, read in pages so a long trail never sits in memory at once. */
  async *exportAll(sinceMs = 0): AsyncGenerator<AuditRecord> {
    const kept = this.read(this.key, sinceMs);
    const refused = this.read(this.refusedKey, sinceMs);
    let a = await kept.next();
    let b = await refused.next();
    while (!a.done || !b.done) {
      if (b.done || (!a.done && compareIds(a.value.id, b.value.id) <= 0)) {
        yield a.value as AuditRecord;
        a = await kept.next();
      } else {
        yield b.value;
        b = await refused.next();
      }
    }
  }

  private async *read(key: string, sinceMs: number): AsyncGenerator<AuditRecord> {
    let start = `${sinceMs}-0`;
    for (;;) {
      const page = await this.redis.xrange(key, start, '+', 'COUNT', EXPORT_PAGE);
      for (const [id, fields] of page) yield toRecord(id, fields);
      const last = page.at(-1);
      if (last === undefined || page.length < EXPORT_PAGE) return;
      start = `(${last[0]}`;
    }
  }

  private get key(): string {
    return `${this.prefix}:audit`;
  }

  private get refusedKey(): string {
    return `${this.prefix}:audit:refused`;
  }
}

/** Stream ids `ms-seq`, compared as numbers. */
function compareIds(left: string, right: string): number {
  const [lm = 0, ls = 0] = left.split('-').map(Number);
  const [rm = 0, rs = 0] = right.split('-').map(Number);
  return lm - rm || ls - rs;
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
    ...(value['as'] === undefined || value['as'] === '' ? {} : { as: value['as'] }),
    where: value['where'] ?? '',
    detail: value['detail'] ?? '',
    ...(value['request'] === undefined || value['request'] === '' ? {} : { requestId: value['request'] }),
  };
}
