import { describe, expect, it } from 'vitest';
import type { WatchStatus } from '../../core/watch.js';
import type { EpisodeLedger } from '../../jobs/watch/stale-episodes.js';
import { WatchList, type GuardTickReader, type SoakSource } from '../../jobs/watch/watch-list.js';
import { Watchdog } from '../../jobs/watch/watchdog.js';
import { DEFAULT_NOW, FixedClock } from '../helpers/fakes.js';

/** The Redis ledger's rules in a Map: open once per episode, close once, a closed episode never reopens. */
class MemoryEpisodes implements EpisodeLedger {
  readonly values = new Map<string, string>();

  async open(watch: string, episode: string): Promise<boolean> {
    const current = this.values.get(watch);
    if (current === episode || current === `closed:${episode}`) return false;
    this.values.set(watch, episode);
    return true;
  }

  async close(watch: string): Promise<boolean> {
    const current = this.values.get(watch);
    if (current === undefined || current.startsWith('closed:')) return false;
    this.values.set(watch, `closed:${current}`);
    return true;
  }
}

/** The guard's last tick and tick lock, as GuardState keeps them in Redis. */
class Ticks implements GuardTickReader {
  last: number | undefined;
  busy = false;
  failing = false;

  async lastTick(): Promise<number | undefined> {
    if (this.failing) throw new Error('redis: connection lost');
    return this.last;
  }

  async ticking(): Promise<boolean> {
    return this.busy;
  }
}

class Soak implements SoakSource {
  readonly service = 'kartotherian';
  readonly planName = 'kartotherian-to-wikikube';
  watch: { lastCheckAt: number; intervalMs: number } | undefined;

  async soakWatch(): Promise<{ lastCheckAt: number; intervalMs: number } | undefined> {
    return this.watch;
  }
}

interface Said {
  text: string;
  kind: string;
  key: string;
}

/** A watchdog over a guard ticking every 5 s (and a plan), on a clock the test moves. */
function world(options: { start?: number } = {}) {
  const clock = new FixedClock(options.start ?? DEFAULT_NOW);
  const ticks = new Ticks();
  const soak = new Soak();
  const errors: unknown[] = [];
  const list = new WatchList({ guards: new Map([['kartotherian', 5000]]), ticks, plans: [soak], clock, onError: (error) => errors.push(error) });
  const episodes = new MemoryEpisodes();
  const said: Said[] = [];
  const watchdog = (ledger: EpisodeLedger = episodes): Watchdog =>
    new Watchdog({
      list: () => list.list(),
      episodes: ledger,
      speak: async (_watch, text, kind, key) => void said.push({ text, kind, key }),
      clock,
      everyMs: 1000,
      onError: (error) => errors.push(error),
    });
  /** Moves time one second at a time, the guard looking every `tickEveryMs` (never when undefined), each watchdog checking every second. */
  async function run(dogs: Watchdog[], seconds: number, tickEveryMs?: number): Promise<void> {
    for (let second = 0; second < seconds; second += 1) {
      clock.advance(1000);
      if (tickEveryMs !== undefined && (ticks.last === undefined || clock.now() - ticks.last >= tickEveryMs)) ticks.last = clock.now();
      for (const dog of dogs) await dog.check();
    }
  }
  return { clock, ticks, soak, list, episodes, said, errors, watchdog, run };
}

const texts = (said: readonly Said[]): string[] => said.map((line) => line.text);

describe('watchdog', () => {
  it('says nothing while the guard looks every interval', async () => {
    const w = world();
    w.ticks.last = w.clock.now();
    await w.run([w.watchdog()], 60, 5000);
    expect(w.said).toEqual([]);
    const [guard] = await w.list.list();
    expect(guard).toMatchObject({ id: 'guard:kartotherian', kind: 'guard', intervalMs: 5000, staleAfterMs: 10_000, stale: false });
  });

  it('says once that the guard stopped after two intervals, and once that it is back', async () => {
    const w = world();
    w.ticks.last = w.clock.now();
    const dog = w.watchdog();
    await w.run([dog], 10);
    expect(w.said).toEqual([]);
    await w.run([dog], 2);
    expect(w.said).toEqual([
      {
        text: '⚠ the guard of kartotherian has not looked at the pooled workers for 11s (every 5s expected): is a worker process running? !kartotherian status',
        kind: 'error',
        key: `stale-guard:kartotherian-${DEFAULT_NOW}`,
      },
    ]);
    await w.run([dog], 60);
    expect(w.said).toHaveLength(1);
    w.ticks.last = w.clock.now() + 1000;
    await w.run([dog], 3);
    expect(texts(w.said)).toEqual([expect.stringMatching(/^⚠/) as unknown, '✅ the guard of kartotherian looks at the pooled workers again (last look 0s ago, every 5s)']);
    expect(w.said[1]?.kind).toBe('result');
  });

  it('opens a new episode when the guard stalls again after recovering', async () => {
    const w = world();
    w.ticks.last = w.clock.now();
    const dog = w.watchdog();
    await w.run([dog], 15);
    await w.run([dog], 10, 5000);
    await w.run([dog], 15);
    expect(texts(w.said).map((text) => text.slice(0, 1))).toEqual(['⚠', '✅', '⚠']);
    expect(new Set(w.said.map((line) => line.key)).size).toBe(3);
  });

  it('two gateways sharing Redis say each line once between them', async () => {
    const w = world();
    w.ticks.last = w.clock.now();
    const dogs = [w.watchdog(), w.watchdog(), w.watchdog()];
    await w.run(dogs, 30);
    w.ticks.last = w.clock.now();
    await w.run(dogs, 2);
    expect(texts(w.said).map((text) => text.slice(0, 1))).toEqual(['⚠', '✅']);
  });

  it('a guard that never looked is stale two intervals after watching began', async () => {
    const w = world();
    const dog = w.watchdog();
    await w.run([dog], 10);
    expect(w.said).toEqual([]);
    await w.run([dog], 1);
    expect(texts(w.said)).toEqual([expect.stringContaining('has not looked at the pooled workers for 11s') as unknown]);
    expect(w.said[0]?.key).toBe('stale-guard:kartotherian-never');
  });

  it('gives a restarted bot its own two intervals before calling an old last look stale', async () => {
    const w = world();
    w.ticks.last = DEFAULT_NOW - 3_600_000;
    const dog = w.watchdog();
    await w.run([dog], 5);
    expect(w.said).toEqual([]);
    // The gauge and status say it as it is meanwhile.
    expect((await w.list.list())[0]).toMatchObject({ stale: true, sinceMs: 3_605_000 });
    await w.run([dog], 6);
    expect(texts(w.said)).toEqual([expect.stringContaining('for 1h00m') as unknown]);
  });

  it('tells a look that hangs from no look at all', async () => {
    const w = world();
    w.ticks.last = w.clock.now();
    w.ticks.busy = true;
    await w.run([w.watchdog()], 12);
    expect(texts(w.said)).toEqual([
      '⚠ the guard of kartotherian has not finished a look at the pooled workers for 11s (every 5s expected): a look is still running (probes or conftool hanging?) !kartotherian status',
    ]);
  });

  it('watches a soak by its own interval, and says when a stale soak stopped', async () => {
    const w = world();
    w.ticks.last = w.clock.now();
    w.soak.watch = { lastCheckAt: w.clock.now(), intervalMs: 30_000 };
    const dog = w.watchdog();
    await w.run([dog], 60, 5000);
    expect(w.said).toEqual([]);
    await w.run([dog], 1, 5000);
    expect(texts(w.said)).toEqual(['⚠ the soak of kartotherian-to-wikikube has not been checked for 1m (every 30s expected): is a worker process running? !kartotherian plan']);
    w.soak.watch = undefined;
    await w.run([dog], 3, 5000);
    expect(texts(w.said)[1]).toBe('ℹ the soak of kartotherian-to-wikikube stopped (paused, rolled back or done) without another check: !kartotherian plan');
    await w.run([dog], 3, 5000);
    expect(w.said).toHaveLength(2);
  });

  it('never calls a scaled rehearsal soak stale under five seconds', async () => {
    const w = world();
    w.ticks.last = w.clock.now();
    w.soak.watch = { lastCheckAt: w.clock.now(), intervalMs: 300 };
    const dog = w.watchdog();
    await w.run([dog], 5, 5000);
    expect(w.said).toEqual([]);
    await w.run([dog], 1, 5000);
    expect(texts(w.said)).toEqual([expect.stringContaining('for 6s (every 0.3s expected)') as unknown]);
  });

  it('goes on counting from the last known look while Redis does not answer', async () => {
    const w = world();
    w.ticks.last = w.clock.now();
    expect((await w.list.list()).map((watch: WatchStatus) => watch.sinceMs)).toEqual([0]);
    w.ticks.failing = true;
    w.clock.advance(7000);
    expect((await w.list.list()).map((watch) => watch.sinceMs)).toEqual([7000]);
    expect(w.errors).toHaveLength(1);
  });
});
