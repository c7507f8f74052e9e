import { createServer, type Server } from 'node:https';
import { connect, type Socket } from 'node:net';
import { request } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pybalPoolStateSchema } from '../../adapters/pybal/pybal-pool-state.js';
import { startLoadBalancer } from '../../lab/balancer/start-load-balancer.js';
import type { LabLoadBalancer } from '../../lab/load-balancer.js';
import type { LabHost, LabTopology } from '../../lab/topology.js';
import { EtcdKeys, startEtcd, type EtcdServer } from '../helpers/etcd-server.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';

// Its own 127.29.x addresses, so it never meets the lab's 127.20/21 hosts another suite may run.
const host = (fqdn: string, role: LabHost['role'], address: string): LabHost => ({ fqdn, dc: 'eqiad', role, address });
const maps = [1, 2, 3, 4].map((n) => host(`maps100${n}.eqiad.wmnet`, 'maps', `127.29.1.${n}`));
const worker = host('wikikube-worker1001.eqiad.wmnet', 'worker', '127.29.2.1');
const [primary, secondary] = [host('lvs1019.eqiad.wmnet', 'lvs', '127.29.3.1'), host('lvs1020.eqiad.wmnet', 'lvs', '127.29.3.2')];
const VIP = '127.29.10.1';
const topology: LabTopology = {
  service: 'kartotherian',
  publicName: 'maps.wikimedia.org',
  tilePath: '/osm-intl/6/23/24.png',
  datacenters: ['eqiad'],
  hosts: [...maps, worker, primary, secondary],
  services: [
    { name: 'kartotherian-ssl', port: 443, tls: true, cluster: 'maps', conftoolService: 'kartotherian-ssl', depoolThreshold: 0.5, members: ['maps'], initiallyConfigured: true },
    { name: 'kartotherian-k8s-ssl', port: 6543, tls: true, cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl', depoolThreshold: 0.5, members: ['maps', 'worker'], initiallyConfigured: false },
  ],
  vips: { eqiad: VIP },
  cdnFrom: 'kartotherian-ssl',
  cdnTo: 'kartotherian-k8s-ssl',
};
const SSL = '/conftool/v1/pools/eqiad/maps/kartotherian-ssl';
const K8S = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl';
const value = (pooled: string, weight = 10): string => JSON.stringify({ weight, pooled });

let etcd: EtcdServer;
let keys: EtcdKeys;
let tls: TlsFixtures;
let dir: string;
let balancer: LabLoadBalancer;
const servers: Server[] = [];
/** The status each real server answers with, by fqdn. */
const status = new Map<string, number>();

/** One HTTPS request through the VIP (new connection each time, as clients spread over IPVS): who answered. */
function viaVip(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: VIP, port, path: '/', servername: topology.publicName, rejectUnauthorized: false, agent: false, timeout: 2000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function reached(port: number, requests = 24): Promise<string[]> {
  const answers = new Set<string>();
  for (let i = 0; i < requests; i += 1) answers.add(await viaVip(port));
  return [...answers].sort();
}

async function pool(lvs: LabHost, name: string): Promise<ReturnType<typeof pybalPoolStateSchema.parse>> {
  const response = await fetch(`http://${lvs.address}:9090/pools/${name}`, { headers: { Accept: 'application/json' } });
  expect(response.status).toBe(200);
  return pybalPoolStateSchema.parse(await response.json());
}

async function eventually<T>(probe: () => Promise<T>, check: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await probe();
  }
  return last;
}

const names = (hosts: readonly LabHost[]): string[] => hosts.map((candidate) => candidate.fqdn).sort();

beforeAll(async () => {
  etcd = await startEtcd();
  keys = new EtcdKeys(etcd.url);
  tls = await createTlsFixtures();
  const cert = await tls.selfSigned('maps', [topology.publicName]);
  for (const real of [...maps, worker]) {
    for (const port of real.role === 'maps' ? [443, 6543] : [6543]) {
      const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
        res.writeHead(status.get(real.fqdn) ?? 200, { 'content-type': 'text/plain' }).end(real.fqdn);
      });
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, real.address, () => resolve()));
      servers.push(server);
    }
  }
  await keys.put(`${SSL}/${maps[0]!.fqdn}`, value('yes'));
  await keys.put(`${SSL}/${maps[1]!.fqdn}`, value('yes'));
  await keys.put(`${SSL}/${maps[2]!.fqdn}`, value('yes'));
  await keys.put(`${SSL}/${maps[3]!.fqdn}`, value('inactive', 0));
  dir = await mkdtemp(join(tmpdir(), 'cutover-lab-lb-'));
  balancer = await startLoadBalancer({ topology, dir, etcdUrl: etcd.url, checkIntervalMs: 200, checkTimeoutMs: 1000 });
}, 60_000);

afterAll(async () => {
  await balancer?.stop();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await etcd?.stop();
  await tls?.dispose();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('the lab load balancer: HAProxy on the VIP, programmed by pybal monitors reading etcd', () => {
  it('sends traffic through the VIP to exactly the pooled servers, at their conftool weights', async () => {
    expect(balancer.monitors.map((monitor) => [monitor.lvsHost, monitor.address, monitor.instrumentationPort, monitor.nodeMetricsPort])).toEqual([
      [primary.fqdn, primary.address, 9090, 9100],
      [secondary.fqdn, secondary.address, 9090, 9100],
    ]);
    const pooled = names(maps.slice(0, 3));
    await eventually(() => balancer.weights('eqiad', 'kartotherian-ssl'), (weights) => Object.keys(weights).sort().join() === pooled.join(), 5000, 'the seeded pool in HAProxy');
    expect(await balancer.weights('eqiad', 'kartotherian-ssl')).toEqual(Object.fromEntries(pooled.map((fqdn) => [fqdn, 10])));
    expect(await reached(443)).toEqual(pooled);
    // inactive: not in pybal's config at all.
    const response = await fetch(`http://${primary.address}:9090/pools/kartotherian-ssl_443/${maps[3]!.fqdn}`);
    expect(response.status).toBe(404);
    expect(await (await fetch(`http://${primary.address}:9090/pools`)).text()).toBe('kartotherian-ssl_443\n');
  });

  it('a conftool `pooled: no` leaves the balancer within 2 s and shows enabled:false on both LVS hosts', async () => {
    await keys.put(`${SSL}/${maps[0]!.fqdn}`, value('no'));
    const started = Date.now();
    await eventually(() => balancer.weights('eqiad', 'kartotherian-ssl'), (weights) => !(maps[0]!.fqdn in weights), 2000, 'maps1001 depooled');
    expect(Date.now() - started).toBeLessThan(2000);
    for (const lvs of [primary, secondary]) {
      const state = await eventually(() => pool(lvs, 'kartotherian-ssl_443'), (servers) => servers[maps[0]!.fqdn]?.enabled === false, 2000, `${lvs.fqdn} shows the depool`);
      expect(state[maps[0]!.fqdn]).toEqual({ pooled: false, weight: 10, up: true, enabled: false });
    }
    expect(await reached(443)).toEqual(names(maps.slice(1, 3)));
  });

  it('a server answering 503 goes down, but stays pooled while depooling it would break depool_threshold', async () => {
    status.set(maps[1]!.fqdn, 503);
    // total 3 (maps1001 is `no`, still counted); after maps1002 fails 1 up-and-enabled < 1.5: kept.
    const state = await eventually(() => pool(primary, 'kartotherian-ssl_443'), (servers) => servers[maps[1]!.fqdn]?.up === false, 3000, 'maps1002 down');
    expect(state[maps[1]!.fqdn]).toEqual({ pooled: true, weight: 10, up: false, enabled: true });
    expect(Object.keys(await balancer.weights('eqiad', 'kartotherian-ssl')).sort()).toEqual(names(maps.slice(1, 3)));
    const metrics = await (await fetch(`http://${primary.address}:9090/metrics`)).text();
    expect(metrics).toContain('pybal_service_pooled_down_servers{service="kartotherian-ssl_443"} 1');
    expect(metrics).toContain('pybal_service_can_depool{service="kartotherian-ssl_443"} 0');
    expect(metrics).toMatch(/pybal_service_could_not_depool_total\{service="kartotherian-ssl_443"\} [1-9]/);
    expect(metrics).toContain(`pybal_monitor_status{service="kartotherian-ssl_443",host="${maps[1]!.fqdn}",monitor="ProxyFetch"} 0`);
    expect(metrics).toContain(`pybal_monitor_status{service="kartotherian-ssl_443",host="${maps[1]!.fqdn}",monitor="IdleConnection"} 1`);
    expect(await (await fetch(`http://${primary.address}:9090/alerts`)).text()).toBe(`CRITICAL - kartotherian-ssl_443: Servers ${maps[1]!.fqdn} are marked down but pooled`);
    expect(await (await fetch(`http://${primary.address}:9090/pools/kartotherian-ssl_443/${maps[1]!.fqdn}`)).text()).toBe('enabled/partially up/pooled\n');

    // Repooling maps1001 makes room: 2 ≥ 1.5, so the failing server may go now.
    await keys.put(`${SSL}/${maps[0]!.fqdn}`, value('yes'));
    await eventually(() => balancer.weights('eqiad', 'kartotherian-ssl'), (weights) => Object.keys(weights).sort().join() === [maps[0]!.fqdn, maps[2]!.fqdn].join(), 3000, 'maps1002 depooled');
    status.delete(maps[1]!.fqdn);
    await eventually(() => balancer.weights('eqiad', 'kartotherian-ssl'), (weights) => Object.keys(weights).length === 3, 3000, 'maps1002 back');
  });

  it('a frozen monitor keeps its stale state; unfrozen, it catches up', async () => {
    balancer.freezeMonitor(primary.fqdn, true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await keys.put(`${SSL}/${maps[2]!.fqdn}`, value('no'));
    await eventually(() => pool(secondary, 'kartotherian-ssl_443'), (servers) => servers[maps[2]!.fqdn]?.enabled === false, 2000, 'the secondary sees the depool');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await pool(primary, 'kartotherian-ssl_443'))[maps[2]!.fqdn]).toMatchObject({ enabled: true, pooled: true });
    expect(maps[2]!.fqdn in (await balancer.weights('eqiad', 'kartotherian-ssl'))).toBe(true);
    balancer.freezeMonitor(primary.fqdn, false);
    await eventually(() => balancer.weights('eqiad', 'kartotherian-ssl'), (weights) => !(maps[2]!.fqdn in weights), 3000, 'the primary catches up');
  });

  it('restartPybal serves a newly configured pool, and the VIP port reaches its members', async () => {
    await keys.put(`${K8S}/${maps[0]!.fqdn}`, value('yes'));
    await keys.put(`${K8S}/${worker.fqdn}`, value('yes', 5));
    for (const lvs of [secondary, primary]) {
      balancer.configureServices(lvs.fqdn, ['kartotherian-ssl', 'kartotherian-k8s-ssl']);
      expect(await balancer.restartPybal(lvs.fqdn)).toEqual(['kartotherian-ssl_443', 'kartotherian-k8s-ssl_6543']);
    }
    await eventually(() => balancer.weights('eqiad', 'kartotherian-k8s-ssl'), (weights) => Object.keys(weights).length === 2, 5000, 'the new pool in HAProxy');
    expect(await balancer.weights('eqiad', 'kartotherian-k8s-ssl')).toEqual({ [maps[0]!.fqdn]: 10, [worker.fqdn]: 5 });
    expect(await reached(6543)).toEqual([maps[0]!.fqdn, worker.fqdn].sort());
    const state = await pool(secondary, 'kartotherian-k8s-ssl_6543');
    expect(state[worker.fqdn]).toMatchObject({ enabled: true, weight: 5 });
  });

  it('node_exporter IPVS series show the primary carrying connections and the secondary none', async () => {
    const held: Socket[] = [];
    for (let i = 0; i < 4; i += 1) {
      held.push(await new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: VIP, port: 443 }, () => resolve(socket));
        socket.on('error', reject);
      }));
    }
    try {
      const active = (text: string): number =>
        [...text.matchAll(/^node_ipvs_backend_connections_active\{local_address="127\.29\.10\.1",local_port="443",remote_address="[^"]+",remote_port="443",proto="TCP",local_mark=""\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
      const scrape = async (lvs: LabHost): Promise<string> => (await fetch(`http://${lvs.address}:9100/metrics`)).text();
      await eventually(() => scrape(primary), (text) => active(text) >= 4, 3000, 'connections on the primary');
      const secondaryText = await scrape(secondary);
      expect(active(secondaryText)).toBe(0);
      expect(secondaryText).toContain(`node_ipvs_backend_weight{local_address="127.29.10.1",local_port="6543",remote_address="${worker.address}",remote_port="6543",proto="TCP",local_mark=""} 5`);
    } finally {
      for (const socket of held) socket.destroy();
    }
  });
});
