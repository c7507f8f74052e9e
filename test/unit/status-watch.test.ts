import { describe, expect, it } from 'vitest';
import type { HealthSnapshot } from '../../core/ports/plan-effects.js';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import { createDispatcher } from '../../commands/dispatch.js';
import type { PlanControl } from '../../core/ports/plan-control.js';
import { conftoolPath } from '../../core/actions.js';
import { judgeWorkerCheck } from '../../core/policy/check-verdict.js';
import { newWorkerRecord, recordCheck, type WorkerRecord } from '../../core/policy/worker-proof.js';
import { watchStatus } from '../../core/watch.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';
import { TEST_PROOF_SETTINGS } from '../helpers/fake-safety.js';

const config = await loadShippedConfig();
const inventories = shippedInventories(config);
const inventory = inventories.get('kartotherian');
if (inventory === undefined) throw new Error('no kartotherian inventory');
const pool = inventory.pool('kartotherian-k8s-ssl', 'eqiad');
const WORKERS = ['wikikube-worker1001', 'wikikube-worker1002', 'wikikube-worker1003', 'wikikube-worker1004'];
const fqdn = (name: string): string => `${name}.eqiad.wmnet`;
const value = (number: number) => ({ kind: 'value' as const, value: number });

/** 2025-02-17 in eqiad: 40% of traffic on k8s and every k8s request a 503. */
const OUTAGE: HealthSnapshot = {
  k8s: { errorRatio: value(1), p99Seconds: value(0.2), requestRate: value(320) },
  baseline: { kind: 'probe-sample', requests: 30, failed: 0, p99Seconds: 0.25, hosts: 6 },
  k8sShare: value(0.4),
  cdn: { errorRatio: value(0.4), p99Seconds: value(0.25), requestRate: value(800) },
};

function observer(health: HealthSnapshot): PoolObserver {
  return { pybal: async () => undefined, health: async ({ dc }) => (dc === 'eqiad' ? health : undefined), confirmApplied: async () => undefined };
}

/** A guard's record of one round of real requests: `ok` of 2 probes answered, at `rate` req/s on k8s. */
function checked(name: string, at: number, ok: number, rate: number, servingSince?: number): WorkerRecord {
  const tally = { ok, total: 2, failures: ok < 2 ? [`503 ×${2 - ok}`] : [] };
  const { verdict, summary, headline } = judgeWorkerCheck({ fqdn: fqdn(name), tally, vip: { ok: 2, total: 2, failures: [] }, k8s: { requestRate: value(rate), errorRatio: value(ok < 2 ? 1 : 0.0005) }, minRequestRate: 1 });
  const start = recordCheck(newWorkerRecord(fqdn(name), servingSince ?? at), verdict, summary, servingSince ?? at, TEST_PROOF_SETTINGS.proveMs, headline);
  return recordCheck(start, verdict, summary, at, TEST_PROOF_SETTINGS.proveMs, headline);
}

async function world(options: { health?: HealthSnapshot; plan?: boolean } = {}) {
  const fakes = makeDeps(config, inventories);
  for (const name of WORKERS) fakes.pooling.put(conftoolPath(pool, fqdn(name)), { pooled: 'yes', weight: 10 });
  const plans = new Map<string, PlanControl>(options.plan === true ? [['kartotherian', { service: 'kartotherian' } as PlanControl]] : []);
  const deps = { ...fakes.deps, observers: new Map([['kartotherian', observer(options.health ?? OUTAGE)]]), plans };
  const dispatch = createDispatcher({ config, inventories, deps, onUnexpectedError: (error) => { throw error; } });
  const status = async (flags = '--dc eqiad'): Promise<string[]> => ((await dispatch.line({ text: `!kartotherian status ${flags}`, caller: callerFor('dave') }))?.text ?? '').split('\n');
  const record = (record: WorkerRecord) => fakes.safety.proofs.save('kartotherian', pool, record.fqdn, () => record);
  return { ...fakes, status, record };
}

describe('status: what real traffic shows of pooled workers, and the warnings', () => {
  it('replays 2025-02-17: broken workers pooled at 5xx 100% get their failures, a ⚠ line, and the guard on the lock line', async () => {
    const w = await world();
    const now = w.clock.now();
    for (const name of WORKERS) await w.record(checked(name, now - 1000, 0, 320));
    w.watches.push(watchStatus({ kind: 'guard', service: 'kartotherian', lastCheckAt: now - 2000, intervalMs: 5000, busy: false }, now, now - 60_000));
    expect(await w.status()).toEqual([
      'kartotherian · pool state from fake conftool',
      'eqiad kartotherian:6533 — pooled 6, depooled 0, inactive 0 · may lose 3 (floor 3/6) | yes w10: maps[1005-1010] | pybal: not configured',
      'eqiad kartotherian-ssl:443 — pooled 6, depooled 0, inactive 0 · may lose 3 (floor 3/6) | yes w10: maps[1005-1010] | pybal: not configured',
      'eqiad kartotherian-k8s-ssl:6543 — pooled 10, depooled 0, inactive 0 · may lose 5 (floor 5/10) | yes w10: maps[1005-1010] wikikube-worker[1001-1004] | pybal: not configured | workers: wikikube-worker[1001-1004] ✖ failing: probes 0/2 (503 ×2)',
      'eqiad health via kartotherian-k8s-ssl: 40% of traffic on k8s · 5xx 100.0% · p99 200ms · 320 req/s on k8s · bare metal (probe sample, 30 requests to 6 hosts): 0.00% failed, p99 250ms',
      '⚠ eqiad: k8s is over the limits with 4 workers pooled (wikikube-worker[1001-1004]): 5xx 100.0% > max 1.0% · repool bare metal, then !kartotherian depool the workers',
      'lock: free · guard looked 2s ago (every 5s)',
      'waiting: nothing',
    ]);
  });

  it('gives each worker its proof in a few words with its numbers, folded where they read the same', async () => {
    const w = await world({ health: { ...OUTAGE, k8s: { ...OUTAGE.k8s, errorRatio: value(0.002) } } });
    const now = w.clock.now();
    await w.record(checked('wikikube-worker1001', now - 1000, 2, 320, now - 120_000));
    await w.record(checked('wikikube-worker1002', now - 1000, 2, 320, now - 41_000));
    await w.record(checked('wikikube-worker1003', now - 1000, 1, 320));
    await w.record(checked('wikikube-worker1004', now - 1000, 2, 0.2));
    const line = (await w.status('--dc eqiad --service kartotherian-k8s-ssl'))[1] ?? '';
    expect(line.split(' | ').at(-1)).toBe(
      'workers: wikikube-worker1001 ✓ proven; wikikube-worker1002 serving 40s of 1m; wikikube-worker1003 ✖ failing: probes 1/2 (503 ×1); wikikube-worker1004 ❔ inconclusive: k8s traffic 0.2 req/s under the floor of 1 req/s',
    );
  });

  it('folds serving workers into one range, so workers pooled a second apart cost no extra airtime', async () => {
    const w = await world({ health: { ...OUTAGE, k8s: { ...OUTAGE.k8s, errorRatio: value(0.002) } } });
    const now = w.clock.now();
    for (const [name, since] of [['wikikube-worker1001', 30_000], ['wikikube-worker1002', 31_000], ['wikikube-worker1003', 44_000], ['wikikube-worker1004', 44_000]] as const) {
      await w.record(checked(name, now - 2000, 2, 320, now - since));
    }
    const line = (await w.status('--dc eqiad --service kartotherian-k8s-ssl'))[1] ?? '';
    // As of the last check, two seconds ago: nobody has seen them serve since.
    expect(line.split(' | ').at(-1)).toBe('workers: wikikube-worker[1001-1004] serving 28s–42s of 1m');
  });

  it('calls a pooled worker the guard has no record of unchecked', async () => {
    const w = await world();
    const line = (await w.status('--dc eqiad --service kartotherian-k8s-ssl'))[1] ?? '';
    expect(line).toMatch(/\| workers: wikikube-worker\[1001-1004\] … not checked with real requests yet$/);
  });

  it('warns on p99 too, points at emergency-stop when there is a plan, and warns whatever pools were asked for', async () => {
    const w = await world({ plan: true, health: { ...OUTAGE, k8s: { ...OUTAGE.k8s, errorRatio: value(0.02), p99Seconds: value(2.4) } } });
    const lines = await w.status('--dc eqiad --service kartotherian');
    expect(lines.filter((text) => text.startsWith('⚠'))).toEqual([
      '⚠ eqiad: k8s is over the limits with 4 workers pooled (wikikube-worker[1001-1004]): 5xx 2.0% > max 1.0%, p99 2.40s > max 1.50s · !kartotherian emergency-stop puts bare metal back first',
    ]);
  });

  it('says nothing about health within the limits, or over them with no worker pooled', async () => {
    const calm = await world({ health: { ...OUTAGE, k8s: { ...OUTAGE.k8s, errorRatio: value(0.004) } } });
    expect((await calm.status()).filter((text) => text.startsWith('⚠'))).toEqual([]);
    const empty = await world();
    for (const name of WORKERS) empty.pooling.put(conftoolPath(pool, fqdn(name)), { pooled: 'inactive', weight: 0 });
    expect((await empty.status()).filter((text) => text.startsWith('⚠'))).toEqual([]);
  });

  it('puts a stale guard or soak first, in the words the channel got, and leaves it off the lock line', async () => {
    const w = await world({ health: { ...OUTAGE, k8s: { ...OUTAGE.k8s, errorRatio: value(0.001) } } });
    const now = w.clock.now();
    w.watches.push(watchStatus({ kind: 'guard', service: 'kartotherian', lastCheckAt: now - 12_000, intervalMs: 5000, busy: false }, now, now - 60_000));
    w.watches.push(watchStatus({ kind: 'soak', service: 'kartotherian', plan: 'kartotherian-to-wikikube', lastCheckAt: now - 20_000, intervalMs: 30_000, busy: false }, now, now - 60_000));
    const lines = await w.status();
    expect(lines.slice(0, 2)).toEqual(['kartotherian · pool state from fake conftool', '⚠ the guard of kartotherian has not looked at the pooled workers for 12s (every 5s expected): is a worker process running?']);
    expect(lines.at(-2)).toBe('lock: free · soak checked 20s ago (every 30s)');
  });

  it('in a channel is at most four lines: a stopped watch, a line per DC with its ⚠, and the lock and waiting line', async () => {
    const w = await world();
    const now = w.clock.now();
    w.watches.push(watchStatus({ kind: 'guard', service: 'kartotherian', lastCheckAt: now - 60_000, intervalMs: 5000, busy: false }, now, now - 120_000));
    const lines = await w.status('');
    expect(lines).toEqual([
      '⚠ the guard of kartotherian has not looked at the pooled workers for 1m (every 5s expected): is a worker process running?',
      '⚠ kartotherian eqiad: k8s over its limits with workers pooled (--dc eqiad for the way out) · kartotherian maps 6/6 · kartotherian-ssl maps 6/6 · kartotherian-k8s-ssl maps 6/6 wikikube 4/4 · 40% on k8s · 5xx 100.0% · p99 200ms · 320 req/s',
      'kartotherian codfw · kartotherian maps 6/6 · kartotherian-ssl maps 6/6 · kartotherian-k8s-ssl maps 6/6 wikikube 0/4 · health: metrics not configured',
      'lock free · nothing waiting · more: !kartotherian status --dc DC | --service LVS | --full',
    ]);
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(350);
  });

  it('shares one read of each pool between operators asking at the same moment', async () => {
    const w = await world();
    const reads = (): number => w.pooling.calls.filter((call) => call.method === 'listPool').length;
    await w.status('');
    const one = reads();
    const answers = await Promise.all(Array.from({ length: 20 }, () => w.status('')));
    expect(reads()).toBe(2 * one);
    expect(new Set(answers.map((answer) => answer.join('\n'))).size).toBe(1);
  });
});
