import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCdnGenerator, type CdnGenerator } from '../../lab/cdn/cdn-generator.js';
import { issueHostCertificates } from '../../lab/hosts/host-certificates.js';
import { startMapsHost, type MapsHost } from '../../lab/hosts/maps-host.js';
import { createCertificateAuthority, type CertificateAuthority } from '../../lab/servers/lab-ca.js';
import { freePort } from '../../lab/servers/free-port.js';
import type { LabHost } from '../../lab/topology.js';
import { labTopology } from '../../lab/topology.js';
import { loadShippedConfig } from '../helpers/config.js';
import { pollUntil } from '../helpers/prometheus-server.js';

/** A maps host on its own address and free ports, and one CDN generator aimed straight at its TLS port. */
const MAPS: LabHost = { fqdn: 'maps1005.eqiad.wmnet', dc: 'eqiad', role: 'maps', address: '127.140.1.1' };
const CACHE: LabHost = { fqdn: 'cp1075.eqiad.wmnet', dc: 'eqiad', role: 'cache', address: '127.140.4.1' };

let ca: CertificateAuthority;
let maps: MapsHost;
let generator: CdnGenerator;
let metricsPort: number;
let tlsPort: number;

beforeAll(async () => {
  const topology = labTopology(await loadShippedConfig());
  ca = await createCertificateAuthority();
  tlsPort = await freePort(MAPS.address);
  maps = await startMapsHost({
    host: MAPS,
    tilePath: topology.tilePath,
    certificates: await issueHostCertificates(ca, topology, MAPS),
    latencyMs: () => 5,
    ports: { plain: await freePort(MAPS.address), tls: tlsPort, addedTls: await freePort(MAPS.address) },
  });
  metricsPort = await freePort(CACHE.address);
  generator = await startCdnGenerator({
    cache: CACHE,
    publicName: topology.publicName,
    path: topology.tilePath,
    ca: ca.ca.cert,
    target: () => ({ address: MAPS.address, port: tlsPort }),
    ratePerSecond: 100,
    timeoutMs: 300,
    maxSockets: 4,
    metricsPort,
  });
});

afterAll(async () => {
  await generator?.stop();
  await maps?.stop();
  await ca?.dispose();
});

async function metrics(): Promise<string> {
  return (await fetch(`http://${CACHE.address}:${metricsPort}/metrics`)).text();
}

function countOf(text: string, status: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith('trafficserver_backend_requests_seconds_count{') && entry.includes(`status="${status}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('a CDN generator', () => {
  it('sends tile requests with the public name and counts them as mtail does', async () => {
    await pollUntil(async () => (generator.tally().byStatus['200'] ?? 0) >= 20 || undefined, { what: '20 answered requests', timeoutMs: 5000 });
    const text = await metrics();
    expect(countOf(text, '200')).toBeGreaterThanOrEqual(20);
    expect(text).toContain('trafficserver_backend_requests_seconds_bucket{backend="kartotherian.discovery.wmnet",method="GET",le="1.2"}');
    expect(text).toMatch(/trafficserver_backend_requests_seconds_sum\{backend="kartotherian.discovery.wmnet",method="GET"\} [\d.]+/);
    expect(text).not.toMatch(/_bucket\{[^}]*status=/);
  });

  it('counts the backend\'s 503s, a wrong certificate as 502 and a hang as 504', async () => {
    maps.setFault({ kind: 'unavailable' });
    await pollUntil(async () => (generator.tally().byStatus['503'] ?? 0) >= 5 || undefined, { what: '503s', timeoutMs: 5000 });
    maps.setFault({ kind: 'hang' });
    await pollUntil(async () => (generator.tally().byStatus['504'] ?? 0) >= 5 || undefined, { what: '504s', timeoutMs: 5000 });
    maps.setFault({ kind: 'wrong-cert' });
    // Kept-alive connections keep the old certificate, as a real reload does; hung ones are gone after the timeout.
    await pollUntil(async () => (generator.tally().byStatus['502'] ?? 0) >= 5 || undefined, { what: '502s', timeoutMs: 5000 });
    maps.setFault(null);
    const before = generator.tally().byStatus['200'] ?? 0;
    await pollUntil(async () => (generator.tally().byStatus['200'] ?? 0) > before + 10 || undefined, { what: 'recovery', timeoutMs: 5000 });
    const tally = generator.tally();
    expect(tally.ok + tally.failed).toBeLessThanOrEqual(tally.sent);
    expect(countOf(await metrics(), '504')).toBe(tally.byStatus['504']);
  });

  it('stops sending when stopped, twice without harm', async () => {
    await generator.stop();
    await generator.stop();
    const sent = generator.tally().sent;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(generator.tally().sent).toBe(sent);
    await expect(metrics()).rejects.toThrow();
  });
});
