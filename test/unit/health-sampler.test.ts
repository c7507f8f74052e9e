import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { HealthSnapshot } from '../../core/ports/plan-effects.js';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import { HealthSampler } from '../../jobs/health-sampler.js';
import type { HealthSample } from '../../jobs/health-samples.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { FixedClock } from '../helpers/fakes.js';

const value = (number: number) => ({ kind: 'value' as const, value: number });
const HEALTHY: HealthSnapshot = {
  k8s: { errorRatio: value(0.001), p99Seconds: value(0.3), requestRate: value(120) },
  baseline: { kind: 'probe-sample', requests: 500, failed: 1, p99Seconds: undefined, hosts: 6 },
  k8sShare: value(0.23),
  cdn: { errorRatio: value(0.002), p99Seconds: value(0.3), requestRate: value(520) },
};

function observer(health: (dc: string) => Promise<HealthSnapshot | undefined>): PoolObserver {
  return { pybal: async () => undefined, confirmApplied: async () => undefined, health: ({ dc }) => health(dc) };
}

async function sampler(health: (dc: string) => Promise<HealthSnapshot | undefined>, intervalMs = 1000): Promise<{ sampler: HealthSampler; appended: HealthSample[] }> {
  const inventory = shippedInventories(await loadShippedConfig()).get('kartotherian');
  if (inventory === undefined) throw new Error('no inventory');
  const appended: HealthSample[] = [];
  const errors: unknown[] = [];
  const instance = new HealthSampler({
    services: [{ inventory, observer: observer(health) }],
    append: async (sample) => {
      appended.push(sample);
    },
    clock: new FixedClock(),
    intervalMs,
    timeoutMs: 50,
    onError: (error) => errors.push(error),
  });
  return { sampler: instance, appended };
}

describe('health sampler', () => {
  it('records the numbers status reads, with missing readings as null and a hung DC as a gap that says why', async () => {
    const { sampler: instance, appended } = await sampler((dc) => (dc === 'eqiad' ? Promise.resolve(HEALTHY) : new Promise(() => undefined)));
    await instance.sampleOnce();
    expect(appended).toHaveLength(1);
    expect(appended[0]?.service).toBe('kartotherian');
    expect(appended[0]?.dcs).toEqual([
      { dc: 'eqiad', k8sShare: 0.23, k8s: { errorRatio: 0.001, p99Seconds: 0.3, requestRate: 120 }, baseline: { errorRatio: 0.002, p99Seconds: null, requestRate: null } },
      { dc: 'codfw', k8sShare: null, k8s: { errorRatio: null, p99Seconds: null, requestRate: null }, baseline: { errorRatio: null, p99Seconds: null, requestRate: null }, note: 'no answer' },
    ]);
  });

  it('writes nothing where no metrics are configured', async () => {
    const { sampler: instance, appended } = await sampler(async () => undefined);
    await instance.sampleOnce();
    expect(appended).toEqual([]);
  });

  it('samples on its interval until stopped, and not after', async () => {
    const { sampler: instance, appended } = await sampler(async () => HEALTHY, 20);
    instance.start();
    await expect.poll(() => appended.length, { timeout: 2000 }).toBeGreaterThanOrEqual(3);
    await instance.stop();
    const stoppedAt = appended.length;
    await sleep(100);
    expect(appended.length).toBe(stoppedAt);
  });
});
