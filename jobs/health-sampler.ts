import { observeHealth } from '../core/observe-health.js';
import type { PoolObserver } from '../core/ports/pool-observer.js';
import type { Clock } from '../core/ports/stores.js';
import type { Reading } from '../core/plan/analysis.js';
import { compareWithBaseline, type Baseline } from '../core/plan/baseline.js';
import type { Inventory } from '../core/inventory.js';
import type { DcSample, HealthSample } from './health-samples.js';

export interface SampledService {
  inventory: Inventory;
  observer: PoolObserver;
}

export interface HealthSamplerOptions {
  services: readonly SampledService[];
  append: (sample: HealthSample) => Promise<void>;
  clock: Clock;
  intervalMs: number;
  /** Each read is cut off after this long, so one hung Prometheus cannot stall the chart. */
  timeoutMs: number;
  onError: (error: unknown) => void;
}

/**
 * Every interval, reads the same health `status` shows (k8s share, 5xx, p99, k8s beside bare
 * metal) per service and DC, and appends one sample per service. Timers never overlap: the next
 * read is scheduled when the last one ended.
 */
export class HealthSampler {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: HealthSamplerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the timer and waits for a read in progress, so nothing writes to Redis after shutdown. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  async sampleOnce(): Promise<void> {
    const at = this.options.clock.now();
    for (const { inventory, observer } of this.options.services) {
      const dcs = await Promise.all(inventory.datacenters.map((dc) => this.sampleDc(inventory, observer, dc)));
      const measured = dcs.filter((sample): sample is DcSample => sample !== undefined);
      if (measured.length > 0) await this.options.append({ at, service: inventory.serviceName, dcs: measured });
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.sampleOnce()
        .catch((error: unknown) => this.options.onError(error))
        .finally(() => {
          this.inFlight = undefined;
          this.schedule(this.options.intervalMs);
        });
    }, delayMs);
    // A sampler alone must not keep the process alive.
    this.timer.unref();
  }

  private async sampleDc(inventory: Inventory, observer: PoolObserver, dc: string): Promise<DcSample | undefined> {
    const health = await observeHealth(observer, inventory, dc, this.options.timeoutMs);
    if (health.kind === 'not-configured') return undefined;
    if (health.kind === 'unavailable') {
      const none = { errorRatio: null, p99Seconds: null, requestRate: null };
      return { dc, k8sShare: null, k8s: none, baseline: none, note: health.reason };
    }
    const { k8s, baseline, k8sShare } = health.snapshot;
    return {
      dc,
      k8sShare: valueOf(k8sShare),
      k8s: { errorRatio: valueOf(k8s.errorRatio), p99Seconds: valueOf(k8s.p99Seconds), requestRate: valueOf(k8s.requestRate) },
      // Bare metal has no request rate in production: the sample keeps its probe sample's numbers, and no rate.
      baseline: baselineNumbers(baseline),
    };
  }
}

/** Charted only when compareWithBaseline would compare it: a chart must not show what status refuses to. */
function baselineNumbers(baseline: Baseline): DcSample['baseline'] {
  const comparison = compareWithBaseline(baseline);
  if (!comparison.comparable) return { errorRatio: null, p99Seconds: null, requestRate: null };
  return { errorRatio: comparison.errorRatio, p99Seconds: comparison.p99Seconds ?? null, requestRate: null };
}

function valueOf(reading: Reading): number | null {
  return reading.kind === 'value' ? reading.value : null;
}
