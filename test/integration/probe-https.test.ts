import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp } from '../../adapters/probes/http-probe.js';
import type { HttpProbeRequest } from '../../adapters/probes/prober.js';
import { probeTls } from '../../adapters/probes/tls-probe.js';
import { isCutoverError } from '../../core/errors.js';
import { closedPort, startHttpServer, startHttpsServer, startSilentServer, TILE_PNG, type Behaviour, type TestServer } from '../helpers/https-servers.js';
import { createTlsFixtures, type CertificateFiles, type TlsFixtures } from '../helpers/tls-fixtures.js';

const TILE_URL = 'https://maps.wikimedia.org/osm-intl/6/23/24.png';
const NAMES = ['maps.wikimedia.org', 'kartotherian.discovery.wmnet'];
const TIMEOUT_MS = 1000;
/** Slack for a loaded CI box between the deadline firing and the promise settling. */
const SLACK_MS = 500;

let fixtures: TlsFixtures;
const servers: Record<'tile' | 'unavailable' | 'html' | 'hang' | 'stallBody' | 'drop' | 'wrongNames' | 'selfSigned' | 'wildcard' | 'silent' | 'plain', TestServer> = {} as never;

async function start(certificate: CertificateFiles, behaviour: Behaviour): Promise<TestServer> {
  return startHttpsServer({ certificate, behaviour });
}

beforeAll(async () => {
  fixtures = await createTlsFixtures();
  // What the maps hosts' localssl certificate carries (wikimedia-ops §4).
  const good = await fixtures.issue('maps', ['maps.wikimedia.org', 'kartotherian.discovery.wmnet', 'kartotherian.svc.eqiad.wmnet']);
  // A mesh certificate from before extraFQDNs gained maps.wikimedia.org (pitfall 6).
  const meshOnly = await fixtures.issue('mesh', ['kartotherian.discovery.wmnet', 'kartotherian.svc.eqiad.wmnet']);
  const wildcard = await fixtures.issue('wildcard', ['*.wikimedia.org', '*.discovery.wmnet']);
  const rogue = await fixtures.selfSigned('rogue', ['maps.wikimedia.org', 'kartotherian.discovery.wmnet']);
  servers.tile = await start(good, 'tile');
  servers.unavailable = await start(good, 'unavailable');
  servers.html = await start(good, 'html');
  servers.hang = await start(good, 'hang');
  servers.stallBody = await start(good, 'stall-body');
  servers.drop = await start(good, 'drop');
  servers.plain = await startHttpServer({ behaviour: 'tile' });
  servers.wrongNames = await start(meshOnly, 'tile');
  servers.selfSigned = await start(rogue, 'tile');
  servers.wildcard = await start(wildcard, 'tile');
  servers.silent = await startSilentServer();
});

afterAll(async () => {
  await Promise.all(Object.values(servers).map((server) => server.close()));
  await fixtures.dispose();
});

function tileRequest(server: { port: number }, extra: Partial<HttpProbeRequest> = {}): HttpProbeRequest {
  return { url: TILE_URL, connectTo: { host: '127.0.0.1', port: server.port }, expectedNames: NAMES, ca: fixtures.ca.cert, timeoutMs: TIMEOUT_MS, ...extra };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; elapsed: number }> {
  const started = performance.now();
  const value = await work();
  return { value, elapsed: performance.now() - started };
}

describe('probeHttp against real HTTPS servers', () => {
  it('fetches the tile from a healthy server through connectTo, with the public Host and SNI', async () => {
    const result = await probeHttp(tileRequest(servers.tile));

    expect(result).toMatchObject({ ok: true, status: 200, contentType: 'image/png', bytes: TILE_PNG.length, target: `127.0.0.1:${servers.tile.port}` });
    expect(result.error).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.latencyMs).toBeLessThan(TIMEOUT_MS);
    expect(result.timings.firstByteMs).toBeGreaterThanOrEqual(result.timings.tlsMs ?? 0);
    expect(result.certificate?.sans).toEqual(['maps.wikimedia.org', 'kartotherian.discovery.wmnet', 'kartotherian.svc.eqiad.wmnet']);
    expect(result.certificate?.issuer).toContain('cutover test CA');
    expect(servers.tile.requests.at(-1)).toMatchObject({ servername: 'maps.wikimedia.org', host: 'maps.wikimedia.org', path: '/osm-intl/6/23/24.png' });
    expect(servers.tile.requests.at(-1)?.userAgent).toMatch(/^cutover-probe\//);
  });

  it('keeps a non-default port in the Host header, as ATS sends it to :6543', async () => {
    const result = await probeHttp(tileRequest(servers.tile, { url: 'https://kartotherian.discovery.wmnet:6543/osm-intl/6/23/24.png' }));

    expect(result.ok).toBe(true);
    expect(servers.tile.requests.at(-1)).toMatchObject({ servername: 'kartotherian.discovery.wmnet', host: 'kartotherian.discovery.wmnet:6543' });
  });

  it('reports a 503 as a status error, with the reason from the body', async () => {
    const result = await probeHttp(tileRequest(servers.unavailable));

    expect(result).toMatchObject({ ok: false, status: 503, error: { code: 'status' } });
    expect(result.error?.message).toContain('HTTP 503');
    expect(result.error?.message).toContain('upstream connect error');
  });

  it('reports a 200 that is not an image as a content-type error', async () => {
    const result = await probeHttp(tileRequest(servers.html));

    expect(result).toMatchObject({ ok: false, status: 200, contentType: 'text/html', error: { code: 'content-type' } });
  });

  it.each([
    ['hang', 'waiting for response headers'],
    ['stallBody', 'reading the body'],
    ['silent', 'in the TLS handshake'],
  ] as const)('times out on a server that accepts and then goes quiet (%s) within the deadline, and destroys the socket', async (name, where) => {
    const server = servers[name];
    const { value: result, elapsed } = await timed(() => probeHttp(tileRequest(server)));

    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(result.error?.message).toContain(where);
    // What did arrive is still reported: a stalled body keeps its status.
    expect(result.status).toBe(name === 'stallBody' ? 200 : undefined);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    await server.waitForNoSockets(1000);
  });

  it('reports a connection reset in the middle of the body as reset', async () => {
    const result = await probeHttp(tileRequest(servers.drop));

    expect(result).toMatchObject({ ok: false, status: 200, error: { code: 'reset' } });
    expect(result.error?.message).toContain('reading the body');
    expect(result.bytes).toBe(TILE_PNG.length);
  });

  it('probes plain HTTP (port 6533) without SNI or a name check', async () => {
    const result = await probeHttp({ url: 'http://maps1009.eqiad.wmnet:6533/osm-intl/6/23/24.png', connectTo: { host: '127.0.0.1', port: servers.plain.port }, timeoutMs: TIMEOUT_MS });

    expect(result).toMatchObject({ ok: true, status: 200, contentType: 'image/png', bytes: TILE_PNG.length });
    expect(result.certificate).toBeUndefined();
    expect(servers.plain.requests.at(-1)).toMatchObject({ servername: undefined, host: 'maps1009.eqiad.wmnet:6533' });
  });

  it('refuses to send a request to a trusted certificate that lacks a name', async () => {
    const before = servers.wrongNames.requests.length;
    const result = await probeHttp(tileRequest(servers.wrongNames));

    expect(result).toMatchObject({ ok: false, error: { code: 'names' } });
    expect(result.error?.message).toContain('does not cover maps.wikimedia.org');
    expect(result.certificate?.sans).toEqual(['kartotherian.discovery.wmnet', 'kartotherian.svc.eqiad.wmnet']);
    expect(servers.wrongNames.requests.length).toBe(before);
  });

  it('accepts a wildcard certificate for a name one label below it', async () => {
    const result = await probeHttp(tileRequest(servers.wildcard));

    expect(result.ok).toBe(true);
  });

  it('rejects a self-signed certificate that is not from the CA, before sending anything', async () => {
    const before = servers.selfSigned.requests.length;
    const result = await probeHttp(tileRequest(servers.selfSigned));

    expect(result).toMatchObject({ ok: false, error: { code: 'tls' } });
    expect(result.error?.message).toMatch(/not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT/);
    expect(result.certificate?.subject).toContain('maps.wikimedia.org');
    expect(servers.selfSigned.requests.length).toBe(before);
  });

  it('with rejectUnauthorized off, accepts the self-signed chain but still checks names', async () => {
    const trusted = await probeHttp(tileRequest(servers.selfSigned, { rejectUnauthorized: false }));
    const misnamed = await probeHttp(tileRequest(servers.selfSigned, { rejectUnauthorized: false, expectedNames: ['maps.wikimedia.org', 'kartotherian.svc.codfw.wmnet'] }));

    expect(trusted.ok).toBe(true);
    expect(misnamed).toMatchObject({ ok: false, error: { code: 'names' } });
  });

  it('does not trust the system roots for a private CA unless given the CA', async () => {
    const { ca: _ca, ...withoutCa } = tileRequest(servers.tile);
    const result = await probeHttp(withoutCa);

    expect(result).toMatchObject({ ok: false, error: { code: 'tls' } });
  });

  it('reports a closed port as refused', async () => {
    const port = await closedPort();
    const result = await probeHttp(tileRequest({ port }));

    expect(result).toMatchObject({ ok: false, error: { code: 'refused' }, target: `127.0.0.1:${port}` });
  });

  it('stops on cancellation with adapter.cancelled, long before the deadline, and closes the socket', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const started = performance.now();
    const error: unknown = await probeHttp(tileRequest(servers.hang, { timeoutMs: 5000, signal: controller.signal })).catch((caught: unknown) => caught);

    expect(isCutoverError(error, 'adapter.cancelled')).toBe(true);
    expect(performance.now() - started).toBeLessThan(150 + SLACK_MS);
    await servers.hang.waitForNoSockets(1000);
  });

  it('does not start when the signal is already aborted', async () => {
    const error: unknown = await probeHttp(tileRequest(servers.tile, { signal: AbortSignal.abort() })).catch((caught: unknown) => caught);

    expect(isCutoverError(error, 'adapter.cancelled')).toBe(true);
  });

  it('refuses bad input before opening a socket', async () => {
    for (const bad of [{ url: 'ftp://maps.wikimedia.org/x' }, { connectTo: { host: '127.0.0.1', port: 0 } }, { timeoutMs: 0 }, { expectedNames: ['*.wikimedia.org'] }]) {
      const error: unknown = await probeHttp(tileRequest(servers.tile, bad)).catch((caught: unknown) => caught);
      expect(isCutoverError(error, 'input.invalid'), JSON.stringify(bad)).toBe(true);
    }
  });
});

describe('probeTls against real TLS servers', () => {
  const tlsRequest = (server: { port: number }, extra: { ca?: string; rejectUnauthorized?: boolean } = {}) => ({
    host: '127.0.0.1',
    port: server.port,
    servername: 'maps.wikimedia.org',
    expectedNames: NAMES,
    ca: fixtures.ca.cert,
    timeoutMs: TIMEOUT_MS,
    ...extra,
  });

  it('reports the certificate, trust and names of a healthy server', async () => {
    const result = await probeTls(tlsRequest(servers.tile));

    expect(result).toMatchObject({ ok: true, trusted: true, namesOk: true, missingNames: [], protocol: 'TLSv1.3' });
    expect(result.certificate).toMatchObject({ subject: 'CN=maps.wikimedia.org', issuer: 'CN=cutover test CA' });
    expect(result.certificate?.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(Date.parse(result.certificate?.notAfter ?? '')).toBeGreaterThan(Date.now());
    expect(result.latencyMs).toBeLessThan(TIMEOUT_MS);
  });

  it('names the missing SANs', async () => {
    const result = await probeTls(tlsRequest(servers.wrongNames));

    expect(result).toMatchObject({ ok: false, trusted: true, namesOk: false, missingNames: ['maps.wikimedia.org'], error: { code: 'names' } });
  });

  it('marks an untrusted chain and still shows its certificate', async () => {
    const result = await probeTls(tlsRequest(servers.selfSigned));

    expect(result).toMatchObject({ ok: false, trusted: false, namesOk: true, error: { code: 'tls' } });
    expect(result.certificate?.sans).toContain('maps.wikimedia.org');
  });

  it('times out on a server that never starts the handshake, within the deadline', async () => {
    const { value: result, elapsed } = await timed(() => probeTls(tlsRequest(servers.silent)));

    expect(result).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    await servers.silent.waitForNoSockets(1000);
  });

  it('reports a closed port as refused', async () => {
    const result = await probeTls(tlsRequest({ port: await closedPort() }));

    expect(result).toMatchObject({ ok: false, error: { code: 'refused' } });
  });
});
