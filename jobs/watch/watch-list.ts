import type { Clock } from '../../core/ports/stores.js';
import { watchStatus, type WatchStatus } from '../../core/watch.js';

export interface GuardTickReader {
  lastTick(service: string): Promise<number | undefined>;
  ticking(service: string): Promise<boolean>;
}

/** A plan as the watchdog sees it (PlanRunner has these). */
export interface SoakSource {
  readonly service: string;
  readonly planName: string;
  /** While a soak runs: its last check and interval; otherwise undefined. */
  soakWatch(): Promise<{ lastCheckAt: number; intervalMs: number } | undefined>;
}

export interface WatchListDeps {
  /** Services with a guard, and how often each guard looks. */
  guards: ReadonlyMap<string, number>;
  ticks: GuardTickReader;
  plans: Iterable<SoakSource>;
  clock: Clock;
  onError: (error: unknown) => void;
}

type Reading = Pick<WatchStatus, 'kind' | 'service' | 'lastCheckAt' | 'intervalMs' | 'busy'> & { plan?: string };

/**
 * Every watch and how long since it checked, read from Redis each time. What was last read is
 * kept: when Redis does not answer, the seconds go on growing from the last known check (no check
 * can be recorded without Redis either), which is what /metrics must show then.
 */
export class WatchList {
  private readonly watchingSince: number;
  private readonly known = new Map<string, Reading | undefined>();

  constructor(private readonly deps: WatchListDeps) {
    this.watchingSince = deps.clock.now();
  }

  async list(): Promise<WatchStatus[]> {
    const { ticks } = this.deps;
    const guards = [...this.deps.guards].map(([service, intervalMs]) =>
      this.read(`guard:${service}`, { kind: 'guard', service, intervalMs, lastCheckAt: undefined, busy: false }, async () => {
        const [lastCheckAt, busy] = await Promise.all([ticks.lastTick(service), ticks.ticking(service)]);
        return { kind: 'guard', service, intervalMs, lastCheckAt, busy };
      }),
    );
    const soaks = [...this.deps.plans].map((plan) =>
      this.read(`soak:${plan.planName}`, undefined, async () => {
        const soak = await plan.soakWatch();
        return soak === undefined ? undefined : { kind: 'soak', service: plan.service, plan: plan.planName, lastCheckAt: soak.lastCheckAt, intervalMs: soak.intervalMs, busy: false };
      }),
    );
    const readings = await Promise.all([...guards, ...soaks]);
    const now = this.deps.clock.now();
    return readings.filter((reading) => reading !== undefined).map((reading) => watchStatus(reading, now, this.watchingSince));
  }

  private async read(key: string, fallback: Reading | undefined, read: () => Promise<Reading | undefined>): Promise<Reading | undefined> {
    try {
      const reading = await read();
      this.known.set(key, reading);
      return reading;
    } catch (error) {
      this.deps.onError(error);
      return this.known.has(key) ? this.known.get(key) : fallback;
    }
  }
}
