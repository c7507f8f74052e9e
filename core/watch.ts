/**
 * Something that must keep checking on its own: the guard of a service (real requests to every
 * pooled worker) or a plan's soak (health analysis). If it stops, nothing protects the pool, and
 * nobody notices unless something else is watching the watch.
 */
export interface WatchStatus {
  /** `guard:<service>` or `soak:<plan>`: the metric label and the name people see. */
  id: string;
  kind: 'guard' | 'soak';
  service: string;
  /** The plan, for a soak. */
  plan?: string;
  /** When it last finished a check; undefined when it has not since this process began watching. */
  lastCheckAt: number | undefined;
  /** Since the last check (or since watching began, when there was none). */
  sinceMs: number;
  /** How often it is meant to check. */
  intervalMs: number;
  staleAfterMs: number;
  stale: boolean;
  /** A check is running right now (the guard holds its tick lock): slow, rather than nobody there. */
  busy: boolean;
}

/**
 * Never stale under this: a BullMQ delayed job or a busy event loop is a second or two late, and a
 * rehearsal's scaled soak interval (0.3 s at time_scale 0.01) would otherwise be "stale" all day.
 */
export const MIN_STALE_MS = 5000;

/** Two missed intervals: one late check is noise, two mean nobody is checking. */
export function staleAfterMs(intervalMs: number): number {
  return Math.max(2 * intervalMs, MIN_STALE_MS);
}

/** A watch as read at `now`, with its staleness worked out. */
export function watchStatus(
  watch: Pick<WatchStatus, 'kind' | 'service' | 'lastCheckAt' | 'intervalMs' | 'busy'> & { plan?: string },
  now: number,
  watchingSince: number,
): WatchStatus {
  const sinceMs = Math.max(0, now - (watch.lastCheckAt ?? watchingSince));
  const threshold = staleAfterMs(watch.intervalMs);
  const id = watch.kind === 'guard' ? `guard:${watch.service}` : `soak:${watch.plan ?? watch.service}`;
  return { id, ...watch, sinceMs, staleAfterMs: threshold, stale: sinceMs > threshold };
}
