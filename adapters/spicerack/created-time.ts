import { CutoverError } from '../../core/errors.js';

/**
 * How the deployed spicerack writes `created`: `str(datetime.now(UTC))` since 2026-05 ("aware",
 * `2026-06-01 12:00:00.123456+00:00`), `str(datetime.utcnow())` before ("naive", no offset). The
 * two do not mix: each spicerack compares what it reads with its own kind of "now", and Python
 * refuses to compare naive and aware datetimes, so a lock written in the other style makes every
 * cookbook taking that key crash. The bot writes the style its spicerack reads, and reads both.
 */
export type CreatedStyle = 'aware' | 'naive';

/** Python's str(datetime): the fraction is left out entirely when the microseconds are zero. */
export function formatCreated(epochMicros: number, style: CreatedStyle): string {
  const second = Math.floor(epochMicros / 1_000_000);
  const micros = epochMicros - second * 1_000_000;
  const base = new Date(second * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const fraction = micros === 0 ? '' : `.${String(micros).padStart(6, '0')}`;
  return `${base}${fraction}${style === 'aware' ? '+00:00' : ''}`;
}

const CREATED = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?$/;

/** datetime.fromisoformat for the forms spicerack writes; naive times are UTC (utcnow wrote them). */
export function parseCreated(key: string, created: string): number {
  const match = CREATED.exec(created);
  const seconds = match === null ? Number.NaN : Date.parse(`${match[1]}T${match[2]}${match[4] === undefined || match[4] === 'Z' ? 'Z' : match[4]}`);
  if (match === null || Number.isNaN(seconds)) {
    throw new CutoverError('adapter.bad-output', `spicerack lock ${key} has a created time spicerack cannot parse either: ${JSON.stringify(created.slice(0, 60))}`);
  }
  return seconds * 1000 + Number((match[3] ?? '').padEnd(6, '0'));
}
