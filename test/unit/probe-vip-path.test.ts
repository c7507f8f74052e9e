import { describe, expect, it } from 'vitest';
import type { HttpProbeRequest, HttpProbeResult, Prober } from '../../adapters/probes/prober.js';
import { probeVipPath } from '../../adapters/probes/vip-path.js';
import { CutoverError, isCutoverError } from '../../core/errors.js';

type Outcome = Partial<HttpProbeResult> | 'cancel';

/** Answers by target "host:port"; records every request and the highest concurrency seen. */
class ScriptedProber implements Prober {
  readonly kind = 'scripted';
  readonly requests: HttpProbeRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly outcomes: Record<string, Outcome>) {}

  async probeTls(): Promise<never> {
    throw new Error('not used');
  }

  async probeHttp(request: HttpProbeRequest): Promise<HttpProbeResult> {
    this.requests.push(request);
    const target = `${request.connectTo?.host ?? '?'}:${request.connectTo?.port ?? 0}`;
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.inFlight -= 1;
    const outcome = this.outcomes[target] ?? {};
    if (outcome === 'cancel') throw new CutoverError('adapter.cancelled', 'cancelled');
    return { ok: outcome.error === undefined, url: request.url, target, bytes: 100, latencyMs: 12, timings: {}, ...outcome };
  }
}

const workers = (count: number) => Array.from({ length: count }, (_, index) => ({ name: `wikikube-worker100${index + 1}`, host: `10.64.0.${index + 1}`, port: 6543 }));
const base = { url: 'https://maps.wikimedia.org/osm-intl/6/23/24.png', vip: { host: '10.2.2.13', port: 6543 }, timeoutMs: 1000 };

describe('probeVipPath', () => {
  it('summarises a healthy path in one line', async () => {
    const result = await probeVipPath(new ScriptedProber({}), { ...base, realServers: workers(4) });

    expect(result.ok).toBe(true);
    expect(result.summary).toBe('VIP 10.2.2.13:6543 ok (12 ms); 4/4 real servers ok');
  });

  it('names the failing servers with the status or the error code', async () => {
    const prober = new ScriptedProber({
      '10.64.0.3:6543': { status: 200, error: { code: 'names', message: 'x' } },
      '10.64.0.4:6543': { status: 503, error: { code: 'status', message: 'HTTP 503' } },
    });
    const result = await probeVipPath(prober, { ...base, realServers: workers(4) });

    expect(result.ok).toBe(false);
    expect(result.okServers).toBe(2);
    expect(result.summary).toBe('VIP 10.2.2.13:6543 ok (12 ms); 2/4 real servers ok, wikikube-worker1003: names, wikikube-worker1004: 503');
  });

  it('fails when a VIP attempt fails even though every real server answers', async () => {
    const prober = new ScriptedProber({ '10.2.2.13:6543': { error: { code: 'timeout', message: 'x' } } });
    const result = await probeVipPath(prober, { ...base, realServers: workers(2), vipAttempts: 3 });

    expect(result.ok).toBe(false);
    expect(result.summary).toBe('VIP 10.2.2.13:6543 0/3 ok: timeout, timeout, timeout; 2/2 real servers ok');
  });

  it('sends every probe with the public URL and its own connectTo, and keeps at most `concurrency` in flight', async () => {
    const prober = new ScriptedProber({});
    await probeVipPath(prober, { ...base, realServers: workers(9), concurrency: 3, expectedNames: ['maps.wikimedia.org'] });

    expect(prober.requests).toHaveLength(10);
    expect(prober.maxInFlight).toBe(3);
    expect(new Set(prober.requests.map((request) => request.url))).toEqual(new Set([base.url]));
    expect(prober.requests.map((request) => request.connectTo?.host)).toEqual(['10.2.2.13', ...workers(9).map((worker) => worker.host)]);
    expect(prober.requests.every((request) => request.expectedNames?.[0] === 'maps.wikimedia.org')).toBe(true);
  });

  it('lists five failures and counts the rest', async () => {
    const outcomes = Object.fromEntries(workers(8).map((worker) => [`${worker.host}:6543`, { error: { code: 'refused' as const, message: 'x' } }]));
    const result = await probeVipPath(new ScriptedProber(outcomes), { ...base, realServers: workers(8) });

    expect(result.summary).toMatch(/0\/8 real servers ok, (wikikube-worker100\d: refused, ){4}wikikube-worker1005: refused, \+3 more$/);
  });

  it('rethrows a cancellation once every probe has settled', async () => {
    const prober = new ScriptedProber({ '10.64.0.2:6543': 'cancel' });
    const error: unknown = await probeVipPath(prober, { ...base, realServers: workers(3) }).catch((caught: unknown) => caught);

    expect(isCutoverError(error, 'adapter.cancelled')).toBe(true);
    expect(prober.requests).toHaveLength(4);
    expect(prober.inFlight).toBe(0);
  });

  it('keeps chat formatting out of the summary', async () => {
    const result = await probeVipPath(new ScriptedProber({ '10.64.0.1:6543': { status: 500, error: { code: 'status', message: 'x' } } }), {
      ...base,
      realServers: [{ name: 'evil\u0002<!channel>', host: '10.64.0.1', port: 6543 }],
    });

    expect(result.summary).toContain('evil?‹!channel›: 500');
  });
});
