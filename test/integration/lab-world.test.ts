import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatConftoolValue } from '../../adapters/conftool/conftool-value.js';
import { startLab, type Lab } from '../../lab/lab.js';
import { hostsOf, labTopology } from '../../lab/topology.js';
import { loadShippedConfig } from '../helpers/config.js';
import { EtcdKeys } from '../helpers/etcd-server.js';
import { cdnGet, failureOf, fakeBalancer, relocated, type FakeBalancer } from '../helpers/lab-world.js';
import { pollUntil } from '../helpers/prometheus-server.js';

/** 127.120.x.y and 127.121.x.y: away from the balancer's tests and the default lab's 127.20/21. */
const ADDRESS_BASE = 120;

let lab: Lab;
let balancer: FakeBalancer;
let ca: string;

beforeAll(async () => {
  const topology = relocated(labTopology(await loadShippedConfig()), ADDRESS_BASE);
  const fake = fakeBalancer();
  balancer = fake.balancer;
  // Nothing balances in this test: the CDN's requests to the VIPs are refused, and counted as ATS counts them (502).
  lab = await startLab({ topology, startLoadBalancer: fake.start, rates: { eqiad: 4, codfw: 2 }, baseLatencyMs: 10, cdnTimeoutMs: 500 });
  ca = await readFile(lab.caFile, 'utf8');
});

afterAll(async () => {
  await lab?.stop();
});

function host(fqdn: string): { address: string } {
  const found = lab.topology.hosts.find((candidate) => candidate.fqdn === fqdn);
  if (found === undefined) throw new Error(`no ${fqdn}`);
  return found;
}

function get(fqdn: string, port: number, path = lab.topology.tilePath, timeoutMs?: number) {
  return cdnGet({ address: host(fqdn).address, port, path, name: lab.topology.publicName, ca, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
}

async function control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${lab.controlUrl}${path}`, { method, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const response = await fetch(`${lab.prometheusUrl}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`);
  const body = (await response.json()) as { status: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  if (body.status !== 'success' || body.data === undefined) throw new Error(`query failed: ${JSON.stringify(body)}`);
  return body.data.result;
}

describe('the lab world', () => {
  it('seeds etcd in conftool layout: maps pooled everywhere they belong, workers inactive in the pool they may join', async () => {
    const keys = new EtcdKeys(lab.etcdUrl);
    const pooled = formatConftoolValue({ pooled: 'yes', weight: 10 });
    for (const service of ['kartotherian', 'kartotherian-ssl', 'kartotherian-k8s-ssl']) {
      expect((await keys.get(`/conftool/v1/pools/eqiad/maps/${service}/maps1005.eqiad.wmnet`))?.value).toBe(pooled);
      expect((await keys.get(`/conftool/v1/pools/codfw/maps/${service}/maps2010.codfw.wmnet`))?.value).toBe(pooled);
    }
    expect((await keys.get('/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet'))?.value).toBe(formatConftoolValue({ pooled: 'inactive', weight: 0 }));
    expect(await keys.get('/conftool/v1/pools/eqiad/maps/kartotherian-ssl/wikikube-worker1001.eqiad.wmnet')).toBeUndefined();
    expect(balancer.options()?.etcdUrl).toBe(lab.etcdUrl);
  });

  it('serves tiles on 443 with the public name verified by the lab CA, Kartotherian on 6533, and 6543 only after puppet', async () => {
    const tile = await get('maps1005.eqiad.wmnet', 443);
    expect(tile.status).toBe(200);
    expect(tile.contentType).toBe('image/png');
    expect(tile.body.subarray(1, 4).toString()).toBe('PNG');
    const plain = await cdnGet({ address: host('maps1005.eqiad.wmnet').address, port: 6533, path: '/_info', name: lab.topology.publicName, ca, tls: false });
    expect(JSON.parse(plain.body.toString())).toMatchObject({ name: 'kartotherian' });
    expect((await get('maps1005.eqiad.wmnet', 443, '/')).contentType).toContain('text/html');
    expect((await get('maps1005.eqiad.wmnet', 443, '/nope')).status).toBe(404);

    expect(await failureOf(get('maps1005.eqiad.wmnet', 6543))).toBe('ECONNREFUSED');
    expect(await control('POST', '/puppet/run', { host: 'maps1005.eqiad.wmnet' })).toEqual({ status: 200, body: { host: 'maps1005.eqiad.wmnet', changes: [expect.stringMatching(/^Profile::Maps::Tlsproxy\/Tlsproxy::Localssl\[kartotherian-6543\].*\/ensure: /)] } });
    expect((await get('maps1005.eqiad.wmnet', 6543)).status).toBe(200);
    expect((await control('POST', '/puppet/run', { host: 'maps1005.eqiad.wmnet' })).body.changes).toEqual([]);
    // Only the host puppet ran on.
    expect(await failureOf(get('maps1006.eqiad.wmnet', 6543))).toBe('ECONNREFUSED');
  });

  it('opens the workers NodePort after helm apply for their DC, with one ready pod per worker', async () => {
    expect(await failureOf(get('wikikube-worker1001.eqiad.wmnet', 6543))).toBe('ECONNREFUSED');
    expect((await control('GET', '/kube/pods?env=eqiad')).body).toEqual({ env: 'eqiad', pods: [] });
    const applied = await control('POST', '/helm/apply', { env: 'eqiad' });
    expect(applied.body).toMatchObject({ changed: true, release: { env: 'eqiad', deployed: true, revision: 1, replicas: 4, nodePort: 6543 } });
    expect((await get('wikikube-worker1001.eqiad.wmnet', 6543)).status).toBe(200);
    expect(await failureOf(get('wikikube-worker2001.codfw.wmnet', 6543))).toBe('ECONNREFUSED');
    expect((await control('POST', '/helm/apply', { env: 'eqiad' })).body).toMatchObject({ changed: false, release: { revision: 1 } });
    expect((await control('GET', '/helm/release?env=eqiad')).body).toMatchObject({ deployed: true, revision: 1, replicas: 4 });
    const pods = (await control('GET', '/kube/pods?env=eqiad')).body.pods as Array<Record<string, unknown>>;
    expect(pods.map((pod) => pod.node)).toEqual(hostsOf(lab.topology, { dc: 'eqiad', role: 'worker' }).map((worker) => worker.fqdn));
    for (const pod of pods) expect(pod).toMatchObject({ name: expect.stringMatching(/^kartotherian-main-[a-z0-9]{10}-[a-z0-9]{5}$/) as unknown, phase: 'Running', ready: true, restarts: 0 });
  });

  it('makes each fault observable at the protocol level, and clears it', async () => {
    lab.setFault('wikikube-worker1002.eqiad.wmnet', { kind: 'unavailable' });
    const unavailable = await get('wikikube-worker1002.eqiad.wmnet', 6543);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.toString()).toContain('upstream connect error or disconnect/reset before headers');
    // The 2025 incident: the pod still looks fine to Kubernetes.
    const pods = (await control('GET', '/kube/pods?env=eqiad')).body.pods as Array<Record<string, unknown>>;
    expect(pods.find((pod) => pod.node === 'wikikube-worker1002.eqiad.wmnet')).toMatchObject({ phase: 'Running', ready: true });

    expect((await control('POST', '/faults', { host: 'maps1006.eqiad.wmnet', fault: { kind: 'wrong-cert' } })).status).toBe(200);
    expect(await failureOf(get('maps1006.eqiad.wmnet', 443))).toBe('ERR_TLS_CERT_ALTNAME_INVALID');

    lab.setFault('maps1007.eqiad.wmnet', { kind: 'hang' });
    expect(await failureOf(get('maps1007.eqiad.wmnet', 443, lab.topology.tilePath, 400))).toBe('TIMEOUT');

    lab.setFault('maps1008.eqiad.wmnet', { kind: 'slow', factor: 40 });
    const slow = await get('maps1008.eqiad.wmnet', 443);
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(190);

    for (const fqdn of ['wikikube-worker1002.eqiad.wmnet', 'maps1006.eqiad.wmnet', 'maps1007.eqiad.wmnet', 'maps1008.eqiad.wmnet']) lab.setFault(fqdn, null);
    expect((await get('maps1006.eqiad.wmnet', 443)).status).toBe(200);
    expect((await get('maps1007.eqiad.wmnet', 443)).status).toBe(200);
    expect((await get('wikikube-worker1002.eqiad.wmnet', 6543)).status).toBe(200);
  });

  it('gets envoy metrics with production labels into the real Prometheus, 503s included', async () => {
    const workers = hostsOf(lab.topology, { dc: 'eqiad', role: 'worker' });
    // rate() needs the counters to move between scrapes: traffic starts once Prometheus scrapes every worker.
    await pollUntil(async () => ((await query('up{job="k8s-pods-tls",site="eqiad"} == 1')).length === workers.length ? true : undefined), {
      what: 'Prometheus scraping the eqiad workers',
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    lab.setFault('wikikube-worker1003.eqiad.wmnet', { kind: 'unavailable' });
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(workers.map((worker) => get(worker.fqdn, 6543)));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    lab.setFault('wikikube-worker1003.eqiad.wmnet', null);
    const selector = 'site="eqiad",prometheus="k8s",kubernetes_namespace="kartotherian",envoy_cluster_name="LOCAL_kartotherian"';
    const rate = await pollUntil(
      async () => {
        const value = Number((await query(`sum(rate(envoy_cluster_upstream_rq{${selector}}[30s]))`))[0]?.value[1] ?? 0);
        return value > 0 ? value : undefined;
      },
      { what: 'a request rate for eqiad k8s', timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(rate).toBeGreaterThan(0);
    const errors = await pollUntil(async () => (await query(`envoy_cluster_upstream_rq{${selector},envoy_response_code="503"}`))[0], { what: 'the 503 series', timeoutMs: 10_000, intervalMs: 250 });
    expect(errors.metric).toMatchObject({ job: 'k8s-pods-tls', app: 'kartotherian', release: 'main' });
    const p99 = await query(`histogram_quantile(0.99, sum by (le)(rate(envoy_cluster_upstream_rq_time_bucket{${selector}}[30s])))`);
    expect(Number(p99[0]?.value[1])).toBeLessThanOrEqual(2500);
    // codfw's release is not deployed: no k8s series there.
    expect(await query('envoy_cluster_upstream_rq_total{site="codfw"}')).toEqual([]);
  });

  it('counts the CDN requests the way mtail does, in Prometheus and in the tally', async () => {
    const series = await pollUntil(
      async () => {
        const result = await query('sum by (site, status) (trafficserver_backend_requests_seconds_count{backend="kartotherian.discovery.wmnet",method="GET",job="trafficserver-upload",cluster="cache_upload",prometheus="ops"})');
        return result.length >= 2 ? result : undefined;
      },
      { what: 'ATS series from both sites', timeoutMs: 10_000, intervalMs: 250 },
    );
    // The fake balancer listens on no VIP: every request is a refused connection, which ATS logs as 502.
    expect(series.map((entry) => entry.metric.status)).toEqual(['502', '502']);
    const bucket = await query('trafficserver_backend_requests_seconds_bucket{le="1.2",site="eqiad"}');
    expect(bucket.length).toBe(2);
    const tally = lab.cdnTally();
    expect(tally.byDc.eqiad?.failed).toBeGreaterThan(0);
    expect(tally.total.byStatus).toEqual({ '502': tally.total.failed });
  });

  it('runs puppet on LVS and cache hosts, restarts and freezes pybal through the balancer', async () => {
    const lvs = 'lvs1020.eqiad.wmnet';
    expect((await control('POST', '/puppet/run', { host: lvs })).body.changes).toEqual([expect.stringMatching(/^Profile::Pybal\/File\[\/etc\/pybal\/pybal.conf\]\/content: content changed/)]);
    expect(balancer.configured.get(lvs)).toEqual(['kartotherian', 'kartotherian-ssl', 'kartotherian-k8s-ssl']);
    expect((await control('POST', '/puppet/run', { host: lvs })).body.changes).toEqual([]);
    expect((await control('POST', '/pybal/restart', { host: lvs })).body).toEqual({ host: lvs, pools: ['kartotherian', 'kartotherian-ssl', 'kartotherian-k8s-ssl'] });
    expect((await control('POST', '/pybal/freeze', { host: lvs, frozen: true })).status).toBe(200);
    expect(balancer.frozen.get(lvs)).toBe(true);
    expect((await control('POST', '/puppet/run', { host: 'cp1075.eqiad.wmnet' })).body.changes).toEqual([expect.stringMatching(/^Profile::Trafficserver::Backend\/Trafficserver::Remap\[maps.wikimedia.org\]\/File\[\/etc\/trafficserver\/remap.config\]\/content: /)]);
    expect((await control('POST', '/puppet/run', { host: 'cp1075.eqiad.wmnet' })).body.changes).toEqual([]);
    expect((await control('POST', '/puppet/run', { host: 'wikikube-worker1001.eqiad.wmnet' })).body.changes).toEqual([]);
  });

  it('rejects bad control requests with 400, unknown hosts and environments with 404', async () => {
    const bad = [
      await control('POST', '/puppet/run', {}),
      await control('POST', '/puppet/run', { host: 'maps1005.eqiad.wmnet', extra: 1 }),
      await control('POST', '/puppet/run', 'not json'),
      await control('POST', '/faults', { host: 'maps1005.eqiad.wmnet', fault: { kind: 'fire' } }),
      await control('POST', '/faults', { host: 'maps1005.eqiad.wmnet', fault: { kind: 'slow', factor: 0.5 } }),
      await control('POST', '/faults', { host: 'lvs1019.eqiad.wmnet', fault: null }),
      await control('POST', '/pybal/restart', { host: 'maps1005.eqiad.wmnet' }),
      await control('GET', '/kube/pods'),
      await control('POST', '/helm/apply', { env: 'EQIAD' }),
    ];
    for (const answer of bad) {
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: expect.any(String) as unknown });
    }
    expect((await control('POST', '/puppet/run', { host: 'maps9999.eqiad.wmnet' })).status).toBe(404);
    expect((await control('POST', '/faults', { host: 'maps9999.eqiad.wmnet', fault: null })).status).toBe(404);
    expect((await control('GET', '/helm/release?env=esams')).status).toBe(404);
    expect((await control('GET', '/nowhere')).status).toBe(404);
    expect((await control('GET', '/puppet/run')).status).toBe(405);
  });

  it('restarts etcd and Prometheus on the same URLs and data', async () => {
    const keys = new EtcdKeys(lab.etcdUrl);
    const key = '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1009.eqiad.wmnet';
    await keys.put(key, formatConftoolValue({ pooled: 'no', weight: 10 }));
    await lab.stopEtcd();
    await expect(keys.get(key)).rejects.toThrow();
    await lab.startEtcd();
    expect((await keys.get(key))?.value).toBe(formatConftoolValue({ pooled: 'no', weight: 10 }));

    await lab.stopPrometheus();
    await expect(query('up')).rejects.toThrow();
    await lab.startPrometheus();
    expect((await query('count(envoy_cluster_upstream_rq_total{site="eqiad"})')).length).toBe(1);
  });

  it('stops everything, twice without harm', async () => {
    const address = host('maps1005.eqiad.wmnet').address;
    await lab.stop();
    await lab.stop();
    expect(await failureOf(cdnGet({ address, port: 443, path: '/', name: lab.topology.publicName, ca }))).toBe('ECONNREFUSED');
    await expect(fetch(lab.controlUrl)).rejects.toThrow();
    await expect(fetch(`${lab.etcdUrl}/health`)).rejects.toThrow();
    await expect(fetch(`${lab.prometheusUrl}/-/ready`)).rejects.toThrow();
    expect(existsSync(lab.dir)).toBe(false);
  });
});
