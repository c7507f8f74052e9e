import type { Clock } from '../../core/ports/stores.js';
import type { WatchStatus } from '../../core/watch.js';
import { goneWords, recoveredWords, staleWords } from '../../core/watch-words.js';
import type { EpisodeLedger } from './stale-episodes.js';

export interface WatchdogDeps {
  list: () => Promise<readonly WatchStatus[]>;
  episodes: EpisodeLedger;
  /** Says `text` where the watch's service speaks; `key` is unique per line, for the outbox's dedupe. */
  speak: (watch: WatchStatus, text: string, kind: 'error' | 'result', key: string) => Promise<void>;
  clock: Clock;
  /** How often the watches are read. */
  everyMs: number;
  onError: (error: unknown) => void;
}

/**
 * Watches the watches: a guard or soak that has not checked for two intervals is said in the
 * channel once per stale episode, and again when it checks again (or the soak stops). It runs in
 * the gateway, not in the worker whose guard may be the one that stalled; in `--role all` it
 * shares the process, and still catches a stuck scheduler or a dead worker connection.
 */
export class Watchdog {
  private startedAt: number;
  /** Each start() begins a generation: a check still running from before a stop() does not schedule the next. */
  private generation = 0;
  private previous = new Map<string, WatchStatus>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: WatchdogDeps) {
    this.startedAt = deps.clock.now();
  }

  /** One look at every watch. */
  async check(): Promise<void> {
    const { episodes, speak } = this.deps;
    const watches = await this.deps.list();
    const now = this.deps.clock.now();
    const current = new Map(watches.map((watch) => [watch.id, watch]));
    for (const watch of watches) {
      if (watch.stale) {
        // A bot that was down entirely gives its own guard a chance to look before crying wolf.
        if (now - this.startedAt < watch.staleAfterMs) continue;
        const episode = String(watch.lastCheckAt ?? 'never');
        if (await episodes.open(watch.id, episode)) await speak(watch, staleWords(watch, pointer(watch)), 'error', `stale-${watch.id}-${episode}`);
      } else if (await episodes.close(watch.id)) {
        await speak(watch, recoveredWords(watch), 'result', `recovered-${watch.id}-${watch.lastCheckAt ?? 'never'}`);
      }
    }
    for (const [id, watch] of this.previous) {
      if (!current.has(id) && (await episodes.close(id))) await speak(watch, goneWords(watch, pointer(watch)), 'result', `gone-${id}-${watch.lastCheckAt ?? 'never'}`);
    }
    this.previous = current;
  }

  /** Starts looking; again after stop() too (a leader that lost its lease and won it back). */
  start(): void {
    if (this.timer !== undefined) return;
    this.stopped = false;
    // The grace before crying wolf counts from when this process began watching, not from its boot.
    this.startedAt = this.deps.clock.now();
    const generation = ++this.generation;
    const next = (): void => {
      this.timer = setTimeout(() => {
        this.running = this.check()
          .catch(this.deps.onError)
          .finally(() => {
            this.running = undefined;
            if (!this.stopped && generation === this.generation) next();
          });
      }, this.deps.everyMs);
      // Nothing here should keep a finished process alive.
      this.timer.unref();
    };
    next();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

function pointer(watch: WatchStatus): string {
  return `!${watch.service} ${watch.kind === 'guard' ? 'status' : 'plan'}`;
}
