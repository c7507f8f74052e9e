import type { Registry } from 'prom-client';
import type { LabHost, LabService, LabTopology } from '../topology.js';
import { EtcdPoolWatcher } from './etcd-pool-watcher.js';
import type { HealthMonitor, MonitorFactory } from './health-monitor.js';
import { IdleConnection } from './idle-connection.js';
import type { PoolView } from './instrumentation-render.js';
import { startInstrumentationServer, type InstrumentationServer } from './instrumentation-server.js';
import { PoolCoordinator } from './pool-coordinator.js';
import type { PoolProgrammer } from './pool-programmer.js';
import { ProxyFetch } from './proxy-fetch.js';
import { pybalMetrics } from './pybal-metrics.js';

export interface PybalMonitorOptions {
  topology: LabTopology;
  lvs: LabHost;
  etcdUrl: string;
  /** The LVS services its pybal.conf holds at start (a puppet run changes them; a restart applies them). */
  services: readonly string[];
  instrumentationPort: number;
  checkIntervalMs: number;
  checkTimeoutMs: number;
  /** Only the primary LVS host has one: it alone programs the DC's balancer. */
  programmer?: PoolProgrammer;
  log?: (line: string) => void;
}

interface Pool {
  service: LabService;
  coordinator: PoolCoordinator;
  watcher: EtcdPoolWatcher;
  dirty: boolean;
  syncing: Promise<void> | undefined;
}

/** pybal's section name for an LVS service (modules/pybal/templates/pybal.conf.erb): `<service>_<port>`. */
export function poolName(service: LabService): string {
  return `${service.name}_${service.port}`;
}

/**
 * One LVS host's pybal: a coordinator and an etcd watcher per configured pool (pybal/pybal.py builds
 * one per config section), health monitors per server, the instrumentation API on :9090. The
 * primary programs the DC's balancer; the secondary keeps the same state and programs nothing. In
 * production both program their own IPVS and BGP (MED) decides which one routers send traffic to.
 */
export class PybalMonitor {
  private pools: Pool[] = [];
  private configured: string[];
  private frozen = false;
  private server: InstrumentationServer | undefined;
  readonly registry: Registry;

  constructor(private readonly options: PybalMonitorOptions) {
    this.configured = [...options.services];
    this.registry = pybalMetrics(() => this.pools.map((pool) => pool.coordinator));
  }

  get lvsHost(): string {
    return this.options.lvs.fqdn;
  }

  get isPrimary(): boolean {
    return this.options.programmer !== undefined;
  }

  async start(): Promise<void> {
    this.server = await startInstrumentationServer(this.options.lvs.address, this.options.instrumentationPort, () => this.views(), this.registry);
    this.startPools();
  }

  /** A puppet run: the new pybal.conf, applied at the next restart. */
  configure(services: readonly string[]): void {
    for (const name of services) this.service(name);
    this.configured = [...services];
  }

  /** The restart-pybal cookbook: drop all state, read the config again, serve exactly its pools. */
  async restart(): Promise<string[]> {
    const previous = this.pools;
    this.pools = [];
    await Promise.all(previous.map((pool) => this.stopPool(pool)));
    this.startPools();
    // Pools the new config no longer has leave the balancer (pybal's createService starts each afresh).
    const kept = new Set(this.pools.map((pool) => poolName(pool.service)));
    const programmer = this.options.programmer;
    if (programmer !== undefined) {
      await Promise.all(previous.filter((pool) => !kept.has(poolName(pool.service))).map((pool) => programmer.program(poolName(pool.service), [])));
    }
    return this.pools.map((pool) => poolName(pool.service));
  }

  /** Fault: stop (true) or resume (false) reading etcd; state and health checks carry on. */
  freeze(frozen: boolean): void {
    if (frozen === this.frozen) return;
    this.frozen = frozen;
    for (const pool of this.pools) {
      if (frozen) void pool.watcher.pause();
      else pool.watcher.start();
    }
  }

  coordinators(): PoolCoordinator[] {
    return this.pools.map((pool) => pool.coordinator);
  }

  /** For the node exporter: a pool's service and what this pybal has pooled. */
  poolServices(): Array<{ service: LabService; coordinator: PoolCoordinator }> {
    return this.pools.map((pool) => ({ service: pool.service, coordinator: pool.coordinator }));
  }

  async stop(): Promise<void> {
    const pools = this.pools;
    this.pools = [];
    await Promise.all(pools.map((pool) => this.stopPool(pool)));
    await this.server?.close();
    this.server = undefined;
  }

  private service(name: string): LabService {
    const service = this.options.topology.services.find((candidate) => candidate.name === name);
    if (service === undefined) throw new Error(`no LVS service ${name} in the topology; known: ${this.options.topology.services.map((candidate) => candidate.name).join(', ')}`);
    return service;
  }

  private startPools(): void {
    this.pools = this.configured.map((name) => this.createPool(this.service(name)));
    for (const pool of this.pools) if (!this.frozen) pool.watcher.start();
  }

  private createPool(service: LabService): Pool {
    const { topology, lvs } = this.options;
    const addresses = new Map(topology.hosts.filter((host) => host.dc === lvs.dc && service.members.includes(host.role)).map((host) => [host.fqdn, host.address]));
    const pool: Pool = {
      service,
      dirty: false,
      syncing: undefined,
      coordinator: new PoolCoordinator({
        name: poolName(service),
        port: service.port,
        depoolThreshold: service.depoolThreshold,
        resolve: (host) => addresses.get(host),
        createMonitors: this.monitorFactory(service),
        onChange: () => this.sync(pool),
        log: (line) => this.log(line),
      }),
      watcher: new EtcdPoolWatcher({
        etcdUrl: this.options.etcdUrl,
        key: `/conftool/v1/pools/${lvs.dc}/${service.cluster}/${service.conftoolService}/`,
        onConfig: (config) => pool.coordinator.onConfigUpdate(config),
        retryMs: Math.max(100, Math.min(1000, this.options.checkIntervalMs)),
        log: (line) => this.log(line),
      }),
    };
    return pool;
  }

  /** kartotherian-ssl's monitors in service.yaml: ProxyFetch (TLS pools) and IdleConnection (all). */
  private monitorFactory(service: LabService): MonitorFactory {
    const { topology, checkIntervalMs, checkTimeoutMs } = this.options;
    return (target, report) => {
      const monitors: HealthMonitor[] = [];
      if (service.tls) monitors.push(new ProxyFetch(target, report('ProxyFetch'), { publicName: topology.publicName, path: topology.tilePath, intervalMs: checkIntervalMs, timeoutMs: checkTimeoutMs }));
      monitors.push(new IdleConnection(target, report('IdleConnection'), { cleanReconnectTimeoutMs: checkTimeoutMs, initialDelayMs: checkIntervalMs, maxDelayMs: checkIntervalMs * 5 }));
      return monitors;
    };
  }

  /** Programs the pool's whole state; changes during a write are folded into one more write. */
  private sync(pool: Pool): void {
    const programmer = this.options.programmer;
    if (programmer === undefined) return;
    pool.dirty = true;
    if (pool.syncing !== undefined) return;
    pool.syncing = (async () => {
      while (pool.dirty && this.pools.includes(pool)) {
        pool.dirty = false;
        const servers = [...pool.coordinator.servers.values()].map((server) => ({ host: server.host, pooled: server.pooled, weight: server.weight }));
        try {
          await programmer.program(poolName(pool.service), servers);
        } catch (error) {
          this.log(`programming ${poolName(pool.service)} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      pool.syncing = undefined;
    })();
  }

  private async stopPool(pool: Pool): Promise<void> {
    pool.coordinator.stop();
    await pool.watcher.pause();
    await pool.syncing;
  }

  private views(): PoolView[] {
    return this.pools.map(({ coordinator }) => ({
      name: coordinator.name,
      depoolThreshold: coordinator.depoolThreshold,
      pooledDown: [...coordinator.pooledDown],
      servers: [...coordinator.servers.values()].map((server) => ({ ...server, monitorUp: [...server.monitorUp.values()] })),
    }));
  }

  private log(line: string): void {
    this.options.log?.(`${this.options.lvs.fqdn} pybal: ${line}`);
  }
}
