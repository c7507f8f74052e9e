import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupHealth, GroupHealthQuery, HealthReader } from '../../adapters/metrics/health-reader.js';
import { PrometheusError } from '../../adapters/metrics/prometheus-client.js';
import { createNodeProber } from '../../adapters/probes/node-prober.js';
import type { HttpProbeRequest, Prober, TlsProbeRequest } from '../../adapters/probes/prober.js';
import { ProductionEffects } from '../../adapters/production/production-effects.js';
import { ProductionRealTraffic } from '../../adapters/production/production-real-traffic.js';
import { productionSettingsSchema, type ProductionSettings } from '../../adapters/production/settings.js';
import { summariseRealTraffic } from '../../adapters/real-traffic-summary.js';
import { loadConfig } from '../../config/load.js';
import { isCutoverError } from '../../core/errors.js';
import { Inventory } from '../../core/inventory.js';
import { startHttpsServer, type TestServer } from '../helpers/https-servers.js';
import { createTlsFixtures, type TlsFixtures } from '../helpers/tls-fixtures.js';
import { KARTOTHERIAN_PROBES } from '../helpers/kartotherian-settings.js';

const LVS = 'kartotherian-k8s-ssl';
const W1 = 'wikikube-worker1001.eqiad.wmnet';
const W2 = 'wikikube-worker1002.eqiad.wmnet';
const W3 = 'wikikube-worker1003.eqiad.wmnet';

/**
 * Name resolution as /etc/hosts would do it, in front of the real node prober: the workers'
 * FQDNs lead to loopback addresses, where real HTTPS servers listen on the pool's port.
 */
class HostsFileProber implements Prober {
  readonly kind = 'hosts-file';
  constructor(
    private readonly inner: Prober,
    private readonly hosts: Readonly<Record<string, string>>,
  ) {}

  probeTls(request: TlsProbeRequest) {
    return this.inner.probeTls({ ...request, host: this.hosts[request.host] ?? request.host });
  }

  probeHttp(request: HttpProbeRequest) {
    const to = request.connectTo;
    return this.inner.probeHttp(to === undefined ? request : { ...request, connectTo: { ...to, host: this.hosts[to.host] ?? to.host } });
  }
}

/** Prometheus as the k8s queries would answer: 114 req/s with a third of them 5xx. */
class FixedHealth implements HealthReader {
  readonly queries: GroupHealthQuery[] = [];
  constructor(private readonly fail?: Error) {}

  async groupHealth(query: GroupHealthQuery): Promise<GroupHealth> {
    this.queries.push(query);
    if (this.fail !== undefined) throw this.fail;
    const at = { query: 'sum(rate(envoy_cluster_upstream_rq{…}[5m]))', atMs: Date.now() };
    return {
      dc: query.dc,
      group: query.group,
      window: query.window,
      errorRatio: { kind: 'value', value: 1 / 3, ...at },
      p99Seconds: { kind: 'value', value: 0.2, ...at },
      requestRate: { kind: 'value', value: 114, ...at },
      freshnessSeconds: { kind: 'no-data', reason: 'not-configured', detail: 'off' },
    };
  }

  async serviceHealth(): Promise<never> {
    throw new Error('the real-traffic probe reads group health only');
  }

  async lvsConnections(): Promise<never> {
    throw new Error('the real-traffic probe reads group health only');
  }

  describeGroup(): never {
    throw new Error('the real-traffic probe reads group health only');
  }
}

let fixtures: TlsFixtures;
let vip: TestServer;
let workers: Record<'healthy' | 'unavailable' | 'wrongName', TestServer>;
let inventory: Inventory;
let settings: ProductionSettings;
let prober: Prober;

beforeAll(async () => {
  fixtures = await createTlsFixtures();
  const good = await fixtures.issue('maps', ['maps.wikimedia.org', 'kartotherian.discovery.wmnet']);
  // The mesh certificate before extraFQDNs gained maps.wikimedia.org: 2025-02-19.
  const meshOnly = await fixtures.issue('mesh', ['kartotherian.discovery.wmnet', 'kartotherian.svc.eqiad.wmnet']);
  vip = await startHttpsServer({ certificate: good, behaviour: 'tile' });
  // One port on several loopback addresses, like real servers behind one LVS service.
  const at = (host: string) => ({ host, port: vip.port });
  workers = {
    healthy: await startHttpsServer({ certificate: good, behaviour: 'tile', at: at('127.0.0.2') }),
    unavailable: await startHttpsServer({ certificate: good, behaviour: 'unavailable', at: at('127.0.0.3') }),
    wrongName: await startHttpsServer({ certificate: meshOnly, behaviour: 'tile', at: at('127.0.0.4') }),
  };
  prober = new HostsFileProber(createNodeProber(), { [W1]: '127.0.0.2', [W2]: '127.0.0.3', [W3]: '127.0.0.4' });

  const config = await loadConfig();
  const service = config.services['kartotherian'];
  const pool = service?.lvs_services[LVS];
  if (service === undefined || pool === undefined) throw new Error(`the shipped config lost kartotherian or ${LVS}`);
  inventory = new Inventory('kartotherian', { ...service, lvs_services: { ...service.lvs_services, [LVS]: { ...pool, port: vip.port } } });
  settings = productionSettingsSchema.parse({
    probes: { ...KARTOTHERIAN_PROBES, vips: { eqiad: '127.0.0.1' }, ca: fixtures.ca.cert, timeout_ms: 2000 },
    pybal_restart: { order: { eqiad: ['lvs1020.eqiad.wmnet', 'lvs1019.eqiad.wmnet'] } },
  });
});

afterAll(async () => {
  await Promise.all([vip, ...Object.values(workers)].map((server) => server.close()));
  await fixtures.dispose();
});

describe('ProductionRealTraffic against real HTTPS servers', () => {
  it('tallies each worker on its own address and the VIP, with the public Host and SNI, beside the k8s numbers', async () => {
    const health = new FixedHealth();
    const seen = { vip: vip.requests.length, healthy: workers.healthy.requests.length };

    const report = await new ProductionRealTraffic({ inventory, settings, prober, health }).probeWorkers({ dc: 'eqiad', lvsService: LVS, workers: [W1, W2, W3], attempts: 3 });

    expect(report.vip).toEqual({ ok: 3, total: 3, failures: [] });
    expect(report.workers.get(W1)).toEqual({ ok: 3, total: 3, failures: [] });
    expect(report.workers.get(W2)).toEqual({ ok: 0, total: 3, failures: ['503 ×3'] });
    // The prober's code for a trusted certificate that lacks an expected name.
    expect(report.workers.get(W3)).toEqual({ ok: 0, total: 3, failures: ['names ×3'] });
    expect(report.k8s).toMatchObject({ requestRate: { kind: 'value', value: 114 }, errorRatio: { kind: 'value', value: 1 / 3 } });
    expect(health.queries).toEqual([{ dc: 'eqiad', group: 'k8s', window: '5m', lvs_service: LVS }]);
    expect(summariseRealTraffic(report)).toBe(
      'real requests fail on wikikube-worker1002 (probes 0/3: 503 ×3), wikikube-worker1003 (probes 0/3: names ×3) · VIP 3/3 ok · k8s 5xx 33.3% at 114 req/s',
    );
    const requests = [...vip.requests.slice(seen.vip), ...workers.healthy.requests.slice(seen.healthy)];
    expect(requests).toHaveLength(6);
    expect(requests.every((request) => request.host === 'maps.wikimedia.org' && request.servername === 'maps.wikimedia.org' && request.path === '/osm-intl/6/23/24.png')).toBe(true);
    // A name check fails before any request byte is sent.
    expect(workers.wrongName.requests).toHaveLength(0);
  });

  it('throws when Prometheus cannot be asked, after every probe has settled', async () => {
    const down = new PrometheusError('metrics.query-failed', 'Prometheus unreachable', 'q', { endpoint: 'http://prometheus.svc.eqiad.wmnet' });
    const before = workers.unavailable.requests.length;

    const error = await new ProductionRealTraffic({ inventory, settings, prober, health: new FixedHealth(down) })
      .probeWorkers({ dc: 'eqiad', lvsService: LVS, workers: [W2], attempts: 2 })
      .catch((caught: unknown) => caught);

    expect(error).toBe(down);
    expect(workers.unavailable.requests.length - before).toBe(2);
  });

  it('refuses a worker outside the pool without sending a request', async () => {
    const before = vip.requests.length;
    const error = await new ProductionRealTraffic({ inventory, settings, prober, health: new FixedHealth() })
      .probeWorkers({ dc: 'eqiad', lvsService: LVS, workers: ['wikikube-worker2001.codfw.wmnet'], attempts: 1 })
      .catch((caught: unknown) => caught);

    expect(isCutoverError(error, 'input.invalid')).toBe(true);
    expect(vip.requests.length).toBe(before);
  });
});

describe('ProductionEffects runCheck real-traffic', () => {
  const notInThisCheck = (what: string) => async (): Promise<never> => {
    throw new Error(`${what} is not part of the real-traffic check`);
  };

  it('probes the pooled workers vip_attempts times each and reports the numbers', async () => {
    const effects = new ProductionEffects({
      inventory,
      settings,
      prober,
      health: new FixedHealth(),
      puppet: { runPuppet: notInThisCheck('puppet'), disablePuppet: notInThisCheck('puppet'), enablePuppet: notInThisCheck('puppet') },
      helm: { diff: notInThisCheck('helm'), apply: notInThisCheck('helm'), rolloutStatus: notInThisCheck('helm'), nodePorts: () => ({ tls: 6543 }) },
      pybal: { readPool: notInThisCheck('pybal'), confirmApplied: notInThisCheck('pybal') },
      cookbooks: { describe: () => 'cookbook', run: notInThisCheck('cookbooks') },
    });
    const check = { check: 'real-traffic', lvs_service: LVS, group: 'wikikube', settle_seconds: 0 } as const;

    expect(await effects.runCheck(check, { dc: 'eqiad', pooled: new Map([['wikikube', [W1]]]) })).toEqual({
      ok: true,
      summary: 'wikikube-worker1001 served real requests via the VIP: probes 5/5 ok · VIP 5/5 ok · k8s 5xx 33.3% at 114 req/s',
    });
    expect(await effects.runCheck(check, { dc: 'eqiad', pooled: new Map([['wikikube', [W1, W3]]]) })).toEqual({
      ok: false,
      summary: 'real requests fail on wikikube-worker1003 (probes 0/5: names ×5) · VIP 5/5 ok · k8s 5xx 33.3% at 114 req/s',
    });
  });
});
