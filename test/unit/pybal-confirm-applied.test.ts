import { describe, expect, it } from 'vitest';
import { confirmApplied, showsExpected, type ConfirmAppliedInput } from '../../adapters/pybal/confirm-applied.js';
import { pybalPoolName, pybalPoolStateSchema } from '../../adapters/pybal/pybal-pool-state.js';
import { type PybalHostView, type PybalServerState } from '../../core/ports/pybal.js';

const WORKER = 'wikikube-worker1001.eqiad.wmnet';
const ENABLED: PybalServerState = { pooled: true, weight: 10, up: true, enabled: true };
const DISABLED: PybalServerState = { pooled: false, weight: 10, up: false, enabled: false };

const ok = (lvsHost: string, servers: Record<string, PybalServerState>): PybalHostView => ({ lvsHost, url: `http://${lvsHost}:9090/pools/p`, ok: true, servers });
const down = (lvsHost: string): PybalHostView => ({ lvsHost, url: `http://${lvsHost}:9090/pools/p`, ok: false, error: 'timeout', detail: 'no answer within 3000 ms' });

/** A fake clock: sleep advances time instantly, and each host answers from its own script (its last answer repeats). */
function harness(scripts: Record<string, PybalHostView[]>, overrides: Partial<ConfirmAppliedInput> = {}) {
  let now = 0;
  const sleeps: number[] = [];
  const reads: string[] = [];
  const input: ConfirmAppliedInput = {
    lvsHosts: Object.keys(scripts),
    read: async (host) => {
      reads.push(`${now}:${host}`);
      const script = scripts[host] ?? [];
      return (script.length > 1 ? script.shift() : script[0]) ?? down(host);
    },
    fqdn: WORKER,
    expected: { pooled: 'yes' },
    timeoutMs: 5000,
    intervalMs: 1000,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    ...overrides,
  };
  return { input, sleeps, reads };
}

describe('showsExpected: conftool states as pybal shows them', () => {
  it.each([
    [{ pooled: 'yes' }, ENABLED, true],
    [{ pooled: 'yes' }, { ...ENABLED, up: false, pooled: false }, true],
    [{ pooled: 'yes', weight: 10 }, ENABLED, true],
    [{ pooled: 'yes', weight: 5 }, ENABLED, false],
    [{ pooled: 'yes' }, DISABLED, false],
    [{ pooled: 'yes' }, null, false],
    [{ pooled: 'no' }, DISABLED, true],
    [{ pooled: 'no' }, ENABLED, false],
    [{ pooled: 'no' }, null, false],
    [{ pooled: 'inactive' }, null, true],
    [{ pooled: 'inactive' }, DISABLED, false],
  ] as const)('%j on %j → %s', (expected, observed, result) => {
    expect(showsExpected(observed, expected)).toBe(result);
  });
});

describe('confirmApplied polling', () => {
  it('stops asking a host once it shows the change, and returns when all have', async () => {
    const { input, sleeps, reads } = harness({
      lvs1019: [ok('lvs1019', { [WORKER]: DISABLED }), ok('lvs1019', { [WORKER]: ENABLED })],
      lvs1020: [ok('lvs1020', { [WORKER]: DISABLED }), ok('lvs1020', { [WORKER]: DISABLED }), ok('lvs1020', { [WORKER]: ENABLED })],
    });
    const results = await confirmApplied(input);
    expect(results).toEqual([
      { lvsHost: 'lvs1019', outcome: 'applied', observed: ENABLED, elapsedMs: 1000 },
      { lvsHost: 'lvs1020', outcome: 'applied', observed: ENABLED, elapsedMs: 2000 },
    ]);
    expect(reads).toEqual(['0:lvs1019', '0:lvs1020', '1000:lvs1019', '1000:lvs1020', '2000:lvs1020']);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('gives up at the deadline, never sleeping past it, and keeps the last thing each host showed', async () => {
    const { input, sleeps } = harness(
      {
        lvs1019: [ok('lvs1019', { [WORKER]: DISABLED })],
        lvs1020: [ok('lvs1020', { [WORKER]: DISABLED }), down('lvs1020')],
        lvs1021: [down('lvs1021')],
      },
      { timeoutMs: 2500 },
    );
    const results = await confirmApplied(input);
    expect(sleeps).toEqual([1000, 1000, 500]);
    expect(results).toEqual([
      { lvsHost: 'lvs1019', outcome: 'pending', observed: DISABLED, elapsedMs: 2500 },
      // Answered once, then stopped answering: still pending, with what it showed and why it went quiet.
      { lvsHost: 'lvs1020', outcome: 'pending', observed: DISABLED, error: { kind: 'timeout', detail: 'no answer within 3000 ms' }, elapsedMs: 2500 },
      { lvsHost: 'lvs1021', outcome: 'error', error: { kind: 'timeout', detail: 'no answer within 3000 ms' }, elapsedMs: 2500 },
    ]);
  });

  it('reads at least once even with no time to wait, and a later good answer clears an earlier error', async () => {
    const once = harness({ lvs1019: [ok('lvs1019', {})] }, { timeoutMs: 0, expected: { pooled: 'inactive' } });
    expect(await confirmApplied(once.input)).toEqual([{ lvsHost: 'lvs1019', outcome: 'applied', observed: null, elapsedMs: 0 }]);
    expect(once.sleeps).toEqual([]);
    const flaky = harness({ lvs1019: [down('lvs1019'), ok('lvs1019', { [WORKER]: ENABLED })] });
    expect(await confirmApplied(flaky.input)).toEqual([{ lvsHost: 'lvs1019', outcome: 'applied', observed: ENABLED, elapsedMs: 1000 }]);
  });
});

describe('pybal instrumentation output', () => {
  it('parses /pools/<pool> JSON as pybal dumps it, and refuses other shapes', () => {
    expect(pybalPoolStateSchema.parse({ 'maps1005.eqiad.wmnet': { pooled: true, weight: 10, up: true, enabled: true } })).toEqual({ 'maps1005.eqiad.wmnet': ENABLED });
    expect(pybalPoolStateSchema.safeParse({ 'maps1005.eqiad.wmnet': { pooled: 'yes', weight: 10, up: true, enabled: true } }).success).toBe(false);
    expect(pybalPoolStateSchema.safeParse({ 'maps1005.eqiad.wmnet': { weight: 10, up: true, enabled: true } }).success).toBe(false);
    expect(pybalPoolStateSchema.safeParse(['maps1005.eqiad.wmnet']).success).toBe(false);
    expect(pybalPoolStateSchema.safeParse({ 'maps1005.eqiad.wmnet:\tenabled/up/pooled': ENABLED }).success).toBe(false);
  });

  it('names pools after the pybal section, <service>_<port>', () => {
    expect(pybalPoolName('kartotherian-k8s-ssl', 6543)).toBe('kartotherian-k8s-ssl_6543');
    expect(() => pybalPoolName('../pools', 6543)).toThrow(/Not an LVS service/);
    expect(() => pybalPoolName('kartotherian', 0)).toThrow(/Not an LVS service/);
  });
});
