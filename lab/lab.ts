import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCdnGenerator, type CdnGenerator } from './cdn/cdn-generator.js';
import { sumTallies, type CdnTally } from './cdn/cdn-tally.js';
import type { LabFault } from './control-api.js';
import { startControlServer } from './control-server.js';
import { seedConftool } from './etcd/seed-conftool.js';
import { issueHostCertificates, type HostCertificates } from './hosts/host-certificates.js';
import { latencySampler } from './hosts/latency.js';
import { startMapsHost, type MapsHost } from './hosts/maps-host.js';
import { createWorkerHost, type WorkerHost } from './hosts/worker-host.js';
import { LabState } from './lab-state.js';
import type { LabLoadBalancer, StartLoadBalancer } from './load-balancer.js';
import { labScrapeTargets } from './prometheus/scrape-targets.js';
import { EtcdKeys } from './servers/etcd-keys.js';
import { startEtcd, type EtcdServer } from './servers/etcd.js';
import { createCertificateAuthority } from './servers/lab-ca.js';
import { startPrometheus, type PrometheusServer } from './servers/prometheus.js';
import { hostsOf, type LabHost, type LabTopology } from './topology.js';

export interface LabOptions {
  topology: LabTopology;
  /** Where everything keeps its files; a temp dir (removed on stop) otherwise. A given dir is left in place. */
  dir?: string;
  /** The balancer and its pybal monitors (lab/load-balancer.ts), started once etcd is seeded. */
  startLoadBalancer: StartLoadBalancer;
  /** CDN requests per second per DC, split over its cache hosts (default eqiad 40, codfw 25, others 20; 0 sends nothing). */
  rates?: Readonly<Record<string, number>>;
  /** pybal's check interval (production 10 s; default 1 s) and timeout (default half of it). */
  checkIntervalMs?: number;
  checkTimeoutMs?: number;
  /** Hosts' normal latency, spread ±50% (default 10 ms). */
  baseLatencyMs?: number;
  /** How long a CDN request waits before ATS calls it a 504 (default 2 s). */
  cdnTimeoutMs?: number;
}

export interface LabCdnTally {
  total: CdnTally;
  byDc: Record<string, CdnTally>;
  byCache: Record<string, CdnTally>;
}

export interface Lab {
  readonly dir: string;
  readonly topology: LabTopology;
  readonly etcdUrl: string;
  readonly prometheusUrl: string;
  /** The control API (lab/control-api.ts); the stand-ins read it from CUTOVER_LAB_URL. */
  readonly controlUrl: string;
  /** The lab CA's certificate: what a client trusts to verify the hosts. */
  readonly caFile: string;
  readonly loadBalancer: LabLoadBalancer;
  setFault(host: string, fault: LabFault | null): void;
  stopPrometheus(): Promise<void>;
  /** Starts it again on the same port and TSDB. */
  startPrometheus(): Promise<void>;
  stopEtcd(): Promise<void>;
  /** Starts it again on the same port and data: the "etcd restarted mid-wave" rehearsal. */
  startEtcd(): Promise<void>;
  cdnTally(): LabCdnTally;
  /** Stops everything and removes the temp dir; safe to call twice. */
  stop(): Promise<void>;
}

const DEFAULT_RATES: Readonly<Record<string, number>> = { eqiad: 40, codfw: 25 };

/**
 * The two-DC Kartotherian world on loopback: etcd in conftool's layout, maps hosts and workers
 * answering TLS on their own addresses, the balancer passed in, CDN traffic through the VIPs, one
 * Prometheus scraping it all with production's labels, and the control server the stand-in tools
 * drive. Started in dependency order; a failure stops what already runs.
 */
export async function startLab(options: LabOptions): Promise<Lab> {
  const { topology } = options;
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cutover-lab-')));
  const cleanups: Array<() => Promise<void>> = [];
  const cleanUp = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    if (ownsDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    const ca = await createCertificateAuthority({ dir: join(dir, 'ca'), name: 'cutover lab CA' });
    const served = topology.hosts.filter((host) => host.role === 'maps' || host.role === 'worker');
    const certificates = new Map(await inBatches(served, 4, async (host) => [host.fqdn, await issueHostCertificates(ca, topology, host)] as const));
    const certificatesOf = (host: LabHost): HostCertificates => certificates.get(host.fqdn) ?? fail(`no certificate for ${host.fqdn}`);

    let etcd: EtcdServer | undefined = await startEtcd({ dir: join(dir, 'etcd') });
    const etcdPorts = { clientPort: etcd.clientPort, peerPort: etcd.peerPort };
    const etcdUrl = etcd.url;
    cleanups.push(async () => etcd?.stop());
    await seedConftool(new EtcdKeys(etcdUrl), topology);

    const latencyMs = latencySampler(options.baseLatencyMs ?? 10);
    const maps = new Map<string, MapsHost>();
    cleanups.push(async () => void (await Promise.all([...maps.values()].map((host) => host.stop()))));
    for (const host of hostsOf(topology, { role: 'maps' })) {
      maps.set(host.fqdn, await startMapsHost({ host, tilePath: topology.tilePath, certificates: certificatesOf(host), latencyMs }));
    }
    const workers = new Map<string, WorkerHost>(
      hostsOf(topology, { role: 'worker' }).map((host) => [host.fqdn, createWorkerHost({ host, tilePath: topology.tilePath, certificates: certificatesOf(host), latencyMs })]),
    );
    cleanups.push(async () => void (await Promise.all([...workers.values()].map((host) => host.stop()))));

    const checkIntervalMs = options.checkIntervalMs ?? 1000;
    const loadBalancer = await options.startLoadBalancer({ topology, dir: join(dir, 'balancer'), etcdUrl, checkIntervalMs, checkTimeoutMs: options.checkTimeoutMs ?? Math.max(100, Math.floor(checkIntervalMs / 2)) });
    cleanups.push(() => loadBalancer.stop());
    const state = new LabState({ topology, maps, workers, loadBalancer });

    const generators: CdnGenerator[] = [];
    cleanups.push(async () => void (await Promise.all(generators.map((generator) => generator.stop()))));
    for (const dc of topology.datacenters) {
      const caches = hostsOf(topology, { dc, role: 'cache' });
      const rate = options.rates?.[dc] ?? DEFAULT_RATES[dc] ?? 20;
      const vip = topology.vips[dc] ?? fail(`no VIP for ${dc}`);
      for (const cache of caches) {
        generators.push(
          await startCdnGenerator({
            cache,
            publicName: topology.publicName,
            path: topology.tilePath,
            ca: ca.ca.cert,
            target: () => ({ address: vip, port: state.cdnPort(cache.fqdn) }),
            ratePerSecond: rate / caches.length,
            ...(options.cdnTimeoutMs === undefined ? {} : { timeoutMs: options.cdnTimeoutMs }),
          }),
        );
      }
    }

    const prometheusOptions = { targets: labScrapeTargets(topology, loadBalancer.monitors), dir: join(dir, 'prometheus') };
    let prometheus: PrometheusServer | undefined = await startPrometheus(prometheusOptions);
    const prometheusPort = prometheus.port;
    cleanups.push(async () => prometheus?.stop());

    const control = await startControlServer(state);
    cleanups.push(() => control.close());

    let stopping: Promise<void> | undefined;
    return {
      dir,
      topology,
      etcdUrl,
      prometheusUrl: prometheus.url,
      controlUrl: control.url,
      caFile: ca.ca.certFile,
      loadBalancer,
      setFault: (host, fault) => state.setFault(host, fault),
      async stopPrometheus() {
        await prometheus?.stop();
        prometheus = undefined;
      },
      async startPrometheus() {
        prometheus ??= await startPrometheus({ ...prometheusOptions, port: prometheusPort });
      },
      async stopEtcd() {
        await etcd?.stop();
        etcd = undefined;
      },
      async startEtcd() {
        etcd ??= await startEtcd({ dir: join(dir, 'etcd'), ...etcdPorts });
      },
      cdnTally: () => tallyOf(generators),
      stop() {
        stopping ??= cleanUp();
        return stopping;
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function tallyOf(generators: readonly CdnGenerator[]): LabCdnTally {
  const byCache = Object.fromEntries(generators.map((generator) => [generator.cache.fqdn, generator.tally()]));
  const dcs = [...new Set(generators.map((generator) => generator.cache.dc))];
  const byDc = Object.fromEntries(dcs.map((dc) => [dc, sumTallies(generators.filter((generator) => generator.cache.dc === dc).map((generator) => byCache[generator.cache.fqdn] ?? sumTallies([])))]));
  return { total: sumTallies(Object.values(byCache)), byDc, byCache };
}

/** At most `size` at once: openssl runs per host certificate, and the machine has two cores. */
async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let index = 0; index < items.length; index += size) results.push(...(await Promise.all(items.slice(index, index + size).map(work))));
  return results;
}

function fail(message: string): never {
  throw new Error(message);
}
