/**
 * network.resolve, curl's --resolve for the bot: a probe and a pybal read to names that resolve
 * only through the map (no DNS, no /etc/hosts), to servers on their own loopback addresses. The
 * name still goes out as SNI and Host, and the certificate is checked against the public name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pybalSettingsSchema } from '../../adapters/conftool/settings.js';
import { createNodeProber } from '../../adapters/probes/node-prober.js';
import { resolveEntriesSchema, ResolveMap } from '../../adapters/probes/resolve-map.js';
import { PybalView } from '../../adapters/pybal/pybal-view.js';
import { startFakePybals, type FakePybal } from '../helpers/fake-pybal.js';
import { startHttpsServer, type TestServer } from '../helpers/https-servers.js';
import { freePort } from '../helpers/etcd-server.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

const TILE_URL = 'https://maps.wikimedia.org/osm-intl/6/23/24.png';
const NAMES = ['maps.wikimedia.org', 'kartotherian.discovery.wmnet'];
/** Lab-style names: .wmnet is not in this machine's DNS, so only the map can answer for them. */
const MAPS = 'maps1005.eqiad.wmnet';
const LVS = 'lvs1019.eqiad.wmnet';

let fixtures: TlsFixtures;
let maps: TestServer;
let pybal: FakePybal[];
let pybalPort: number;

beforeAll(async () => {
  fixtures = await createTlsFixtures();
  const certificate = await fixtures.issue('maps', ['maps.wikimedia.org', 'kartotherian.discovery.wmnet']);
  maps = await startHttpsServer({ certificate, behaviour: 'tile', at: { host: '127.0.0.31', port: await freePort() } });
  ({ port: pybalPort, fakes: pybal } = await startFakePybals([{ host: '127.0.0.32' }], {
    'kartotherian-ssl_443': { [MAPS]: { pooled: true, weight: 10, up: true, enabled: true } },
  }));
});

afterAll(async () => {
  await maps.close();
  await Promise.all(pybal.map((fake) => fake.close()));
  await fixtures.dispose();
});

const map = (...entries: string[]): ResolveMap => new ResolveMap(resolveEntriesSchema.parse(entries));

describe('probes', () => {
  it('an HTTP probe to a worker name connects where the map says, with the public Host and SNI', async () => {
    const prober = createNodeProber({ resolve: map(`${MAPS}:${maps.port}:127.0.0.31`) });
    const result = await prober.probeHttp({ url: TILE_URL, connectTo: { host: MAPS, port: maps.port }, expectedNames: NAMES, timeoutMs: 3000, ca: fixtures.ca.cert });
    expect(result).toMatchObject({ ok: true, status: 200, target: `${MAPS}:${maps.port}` });
    expect(maps.requests.at(-1)).toMatchObject({ servername: 'maps.wikimedia.org', host: 'maps.wikimedia.org' });
  });

  it('a TLS probe takes `*` for any port, and checks the certificate against the expected names', async () => {
    const prober = createNodeProber({ resolve: map(`${MAPS}:*:127.0.0.31`) });
    const result = await prober.probeTls({ host: MAPS, port: maps.port, servername: 'maps.wikimedia.org', expectedNames: NAMES, timeoutMs: 3000, ca: fixtures.ca.cert });
    expect(result).toMatchObject({ ok: true, trusted: true, namesOk: true });
  });

  it('the same probe without the map finds no such host: the name resolves only through it', async () => {
    const result = await createNodeProber().probeTls({ host: MAPS, port: maps.port, servername: 'maps.wikimedia.org', expectedNames: NAMES, timeoutMs: 3000, ca: fixtures.ca.cert });
    expect(result.ok).toBe(false);
    expect(result.error?.code).toMatch(/dns|timeout/);
  });

  it('an entry for the exact port wins over `*`', () => {
    const resolve = map(`${MAPS}:*:127.0.0.1`, `${MAPS}:443:127.0.0.2`);
    expect(resolve.addresses(MAPS, 443)).toEqual(['127.0.0.2']);
    expect(resolve.addresses('MAPS1005.eqiad.wmnet.', 6543)).toEqual(['127.0.0.1']);
    expect(resolve.addresses('maps1006.eqiad.wmnet', 443)).toBeUndefined();
  });
});

describe('pybal view', () => {
  it('reads an LVS host by name through the map, sending its name as Host', async () => {
    const view = new PybalView(pybalSettingsSchema.parse({ lvs_hosts: { eqiad: [LVS] }, port: pybalPort, timeout_ms: 3000 }), { resolve: map(`${LVS}:*:127.0.0.32`) });
    const [read] = await view.readPool({ dc: 'eqiad', lvsService: 'kartotherian-ssl', port: 443 });
    expect(read).toMatchObject({ lvsHost: LVS, ok: true, url: `http://${LVS}:${pybalPort}/pools/kartotherian-ssl_443` });
    expect(read?.ok === true && read.servers[MAPS]).toMatchObject({ enabled: true, up: true });
    expect(pybal[0]?.requests.at(-1)).toMatchObject({ path: '/pools/kartotherian-ssl_443', accept: 'application/json' });
  });

  it('says unreachable when the mapped address does not answer', async () => {
    const view = new PybalView(pybalSettingsSchema.parse({ lvs_hosts: { eqiad: [LVS] }, port: pybalPort, timeout_ms: 2000 }), { resolve: map(`${LVS}:*:127.0.0.33`) });
    const [read] = await view.readPool({ dc: 'eqiad', lvsService: 'kartotherian-ssl', port: 443 });
    expect(read).toMatchObject({ ok: false, error: 'unreachable' });
  });
});
