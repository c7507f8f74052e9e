import { formatDuration } from './durations.js';
import type { WatchStatus } from './watch.js';

/**
 * What is said about a watch, shared by the channel (jobs/watch/watchdog.ts), `status` and the
 * status page, so a stale guard reads the same wherever someone looks.
 */

/** "5s", "0.5s": a guard interval under a second must not read as "every 1s". */
export function formatInterval(ms: number): string {
  return ms < 10_000 && ms % 1000 !== 0 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}

function subject(watch: WatchStatus): string {
  return watch.kind === 'guard' ? `the guard of ${watch.service}` : `the soak of ${watch.plan ?? watch.service}`;
}

/** For the end of a lock line: `guard looked 2s ago (every 5s)`. */
export function watchNote(watch: WatchStatus): string {
  const every = `every ${formatInterval(watch.intervalMs)}`;
  const verb = watch.kind === 'guard' ? 'looked' : 'checked';
  if (watch.lastCheckAt === undefined) return `${watch.kind}: no ${watch.kind === 'guard' ? 'look' : 'check'} yet (${every})`;
  return `${watch.kind} ${verb} ${formatDuration(watch.sinceMs)} ago (${every})`;
}

/**
 * The warning. `pointer` is the command that shows more (`!kartotherian status`); status itself
 * passes none. Busy means a check started and has not finished: probes or conftool hanging,
 * not a missing worker process.
 */
export function staleWords(watch: WatchStatus, pointer?: string): string {
  const what = watch.kind === 'guard' ? 'looked at the pooled workers' : 'been checked';
  const verb = watch.busy ? `has not finished a look at the pooled workers` : `has not ${what}`;
  const hint = watch.busy ? 'a look is still running (probes or conftool hanging?)' : 'is a worker process running?';
  const tail = pointer === undefined ? '' : ` ${pointer}`;
  return `⚠ ${subject(watch)} ${verb} for ${formatDuration(watch.sinceMs)} (every ${formatInterval(watch.intervalMs)} expected): ${hint}${tail}`;
}

export function recoveredWords(watch: WatchStatus): string {
  const again = watch.kind === 'guard' ? 'looks at the pooled workers again' : 'is checked again';
  return `✅ ${subject(watch)} ${again} (last ${watch.kind === 'guard' ? 'look' : 'check'} ${formatDuration(watch.sinceMs)} ago, every ${formatInterval(watch.intervalMs)})`;
}

/** A stale soak that stopped (paused, rolled back, done) before anyone checked it again. */
export function goneWords(watch: WatchStatus, pointer?: string): string {
  return `ℹ ${subject(watch)} stopped (paused, rolled back or done) without another check${pointer === undefined ? '' : `: ${pointer}`}`;
}
