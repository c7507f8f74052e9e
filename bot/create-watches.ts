import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../core/ports/stores.js';
import type { Config } from '../config/schema.js';
import type { GuardSettings } from '../jobs/guard/pool-guard.js';
import type { WorkerProofs } from '../jobs/guard/worker-proofs.js';
import type { Notifier } from '../jobs/notifier.js';
import type { PlanRunner } from '../jobs/plan/plan-runner.js';
import { GuardTicks } from '../jobs/watch/guard-ticks.js';
import { RedisEpisodes } from '../jobs/watch/stale-episodes.js';
import { WatchList } from '../jobs/watch/watch-list.js';
import { GuardWatchView } from '../jobs/watch/watch-view.js';
import { Watchdog } from '../jobs/watch/watchdog.js';
import { defaultDestination } from './default-destination.js';

export interface WatchesOptions {
  config: Config;
  client: Redis;
  prefix: string;
  /** Services with a guard, and how often each looks. */
  guardIntervals: ReadonlyMap<string, number>;
  plans: ReadonlyMap<string, PlanRunner>;
  safety: { proofs: WorkerProofs; settings: (service: string) => GuardSettings };
  notifier: Notifier;
  clock: Clock;
  onError: (error: unknown) => void;
  /** How often the watchdog reads the watches. */
  everyMs?: number;
}

export interface Watches {
  list: WatchList;
  view: GuardWatchView;
  watchdog: Watchdog;
}

/** The watch list (for /metrics and status), the view status reads, and the watchdog that speaks. */
export function createWatches(options: WatchesOptions): Watches {
  const { config, plans, clock } = options;
  const list = new WatchList({ guards: options.guardIntervals, ticks: new GuardTicks(options.client, options.prefix), plans: [...plans.values()], clock, onError: options.onError });
  const read = (): ReturnType<WatchList['list']> => list.list();
  const view = new GuardWatchView({ list: read, proofs: options.safety.proofs, settings: options.safety.settings, clock });
  const watchdog = new Watchdog({
    list: read,
    episodes: new RedisEpisodes(options.client, options.prefix),
    clock,
    everyMs: options.everyMs ?? 1000,
    onError: options.onError,
    async speak(watch, text, kind, key) {
      // The plan's channel, where people follow the migration; else the first configured one.
      const destination = (await plans.get(watch.service)?.origin()) ?? defaultDestination(config);
      if (destination === undefined) return;
      // BullMQ job ids may not contain ':' (watch ids do); the ledger has already made this line unique.
      await options.notifier.send(destination, { kind, text }, `watchdog-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`);
    },
  });
  return { list, view, watchdog };
}
