import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeProber } from '../../adapters/probes/node-prober.js';
import { probeVipPath } from '../../adapters/probes/vip-path.js';
import { startHttpsServer, type TestServer } from '../helpers/https-servers.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

/** The tile pybal's `kartotherian-ssl` check requests (service.yaml), and so the one we prove. */
const KARTOTHERIAN_PROBE_PATH = '/osm-intl/6/23/24.png';

let fixtures: TlsFixtures;
let healthy: TestServer;
let broken: TestServer;

beforeAll(async () => {
  fixtures = await createTlsFixtures();
  const certificate = await fixtures.issue('maps', ['maps.wikimedia.org', 'kartotherian.discovery.wmnet']);
  healthy = await startHttpsServer({ certificate, behaviour: 'tile' });
  // Passes a TCP check, fails every real request: wikikube-worker1004 on 2025-02-17.
  broken = await startHttpsServer({ certificate, behaviour: 'unavailable' });
});

afterAll(async () => {
  await Promise.all([healthy.close(), broken.close()]);
  await fixtures.dispose();
});

describe('probeVipPath against real HTTPS servers', () => {
  it('probes the VIP and every real server with the public name and the tile path, and names the broken one', async () => {
    const before = healthy.requests.length;
    const result = await probeVipPath(createNodeProber(), {
      url: `https://maps.wikimedia.org${KARTOTHERIAN_PROBE_PATH}`,
      vip: { host: '127.0.0.1', port: healthy.port, name: 'kartotherian-k8s-ssl' },
      realServers: [
        { name: 'wikikube-worker1001', host: '127.0.0.1', port: healthy.port },
        { name: 'wikikube-worker1002', host: '127.0.0.1', port: healthy.port },
        { name: 'wikikube-worker1003', host: '127.0.0.1', port: healthy.port },
        { name: 'wikikube-worker1004', host: '127.0.0.1', port: broken.port },
      ],
      expectedNames: ['maps.wikimedia.org', 'kartotherian.discovery.wmnet'],
      ca: fixtures.ca.cert,
      timeoutMs: 2000,
      vipAttempts: 2,
    });

    expect(result.ok).toBe(false);
    expect(result.vip.okCount).toBe(2);
    expect(result.okServers).toBe(3);
    expect(result.summary).toMatch(/^VIP kartotherian-k8s-ssl ok \(2\/2, max \d+ ms\); 3\/4 real servers ok, wikikube-worker1004: 503$/);
    expect(result.servers.map((server) => server.result.ok)).toEqual([true, true, true, false]);
    const seen = healthy.requests.slice(before);
    expect(seen).toHaveLength(5);
    expect(seen.every((request) => request.path === KARTOTHERIAN_PROBE_PATH && request.host === 'maps.wikimedia.org' && request.servername === 'maps.wikimedia.org')).toBe(true);
  });
});
