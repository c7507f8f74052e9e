import { describe, expect, it } from 'vitest';
import { probeBareMetal } from '../../adapters/production/bare-metal-baseline.js';
import { productionSettingsSchema } from '../../adapters/production/settings.js';
import type { HttpProbeRequest, HttpProbeResult, Prober } from '../../adapters/probes/prober.js';
import { Inventory } from '../../core/inventory.js';
import { compareWithBaseline } from '../../core/plan/baseline.js';
import { loadShippedConfig } from '../helpers/config.js';

const config = await loadShippedConfig();
const service = config.services['kartotherian'];
if (service === undefined) throw new Error('the shipped config lost kartotherian');
const inventory = new Inventory('kartotherian', service);
const settings = productionSettingsSchema.parse({
  probes: { public_url: 'https://maps.wikimedia.org/osm-intl/6/23/24.png', expected_names: ['maps.wikimedia.org'], vips: { eqiad: '10.2.2.13' } },
  pybal_restart: { order: { eqiad: ['lvs1020.eqiad.wmnet'] } },
});

/** Answers by host: ok in 40 ms after a 10 ms handshake, a 503, or a refused connection. */
function prober(outcomes: Record<string, 'ok' | '503' | 'refused'>): Prober & { requests: HttpProbeRequest[] } {
  const requests: HttpProbeRequest[] = [];
  return {
    kind: 'scripted',
    requests,
    probeTls: () => Promise.reject(new Error('not used')),
    async probeHttp(request): Promise<HttpProbeResult> {
      requests.push(request);
      const host = request.connectTo?.host ?? '';
      const outcome = outcomes[host] ?? 'ok';
      const base = { url: request.url, target: `${host}:${request.connectTo?.port ?? 0}`, bytes: 0 };
      if (outcome === 'refused') return { ...base, ok: false, latencyMs: 1, timings: {}, error: { code: 'refused', message: 'ECONNREFUSED' } };
      if (outcome === '503') return { ...base, ok: false, status: 503, latencyMs: 12, timings: { connectMs: 1, tlsMs: 10 }, error: { code: 'status', message: '503' } };
      return { ...base, ok: true, status: 200, bytes: 100, latencyMs: 50, timings: { connectMs: 1, tlsMs: 10, firstByteMs: 45 } };
    },
  };
}

describe('the bare-metal baseline: the bot\'s own probe sample', () => {
  it('asks each bare-metal member vip_attempts times on the service port, with the public name, and counts failures', async () => {
    const scripted = prober({ 'maps1006.eqiad.wmnet': '503' });
    const baseline = await probeBareMetal({ inventory, settings, prober: scripted }, { dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl' });

    expect(baseline).toEqual({ kind: 'probe-sample', requests: 30, failed: 5, p99Seconds: 0.04, hosts: 6 });
    expect(new Set(scripted.requests.map((request) => request.connectTo?.port))).toEqual(new Set([6543]));
    expect(scripted.requests.every((request) => request.url === 'https://maps.wikimedia.org/osm-intl/6/23/24.png')).toBe(true);
    expect(compareWithBaseline(baseline).words).toBe('bare metal (probe sample, 30 requests to 6 hosts): 16.7% failed, p99 40ms');
  });

  it('leaves out hosts that refuse the port, and says why when none accepts it', async () => {
    const some = await probeBareMetal({ inventory, settings, prober: prober({ 'maps1005.eqiad.wmnet': 'refused', 'maps1006.eqiad.wmnet': 'refused' }) }, { dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl' });
    expect(some).toMatchObject({ kind: 'probe-sample', requests: 20, failed: 0, hosts: 4 });

    const refusing = Object.fromEntries(inventory.hosts.map((host) => [host.fqdn, 'refused' as const]));
    const none = await probeBareMetal({ inventory, settings, prober: prober(refusing) }, { dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl' });
    expect(none).toEqual({ kind: 'unavailable', reason: 'no bare-metal host accepts connections on 6543 in eqiad' });
    expect(compareWithBaseline(none).words).toBe('comparison with bare metal cannot be made: no bare-metal host accepts connections on 6543 in eqiad');
  });
});
