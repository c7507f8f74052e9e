import { canDepool } from './can-depool.js';
import type { ConftoolServerConfig } from './conftool-values.js';
import type { HealthMonitor, MonitorFactory } from './health-monitor.js';

/** One server as pybal's Server holds it (pybal/server.py), plus its monitors' last results. */
export interface CoordinatedServer {
  readonly host: string;
  /** undefined: the name did not resolve, pybal's `_initFailed`: never ready, never pooled, no monitors. */
  readonly address: string | undefined;
  weight: number;
  enabled: boolean;
  up: boolean;
  pooled: boolean;
  /** Per monitor: undefined until its first check (pybal's `firstCheck`). */
  readonly monitorUp: Map<string, boolean | undefined>;
  readonly monitorCounts: Map<string, { upResults: number; downResults: number; upTransitions: number; downTransitions: number }>;
  monitors: HealthMonitor[];
}

export interface PoolCoordinatorOptions {
  /** pybal's pool name, `<service>_<port>`. */
  name: string;
  port: number;
  depoolThreshold: number;
  /** Name resolution: the lab's topology stands in for DNS. */
  resolve: (host: string) => string | undefined;
  createMonitors: MonitorFactory;
  /** Called after every change of who is pooled or at what weight: the primary programs its balancer. */
  onChange: () => void;
  log?: (line: string) => void;
}

// pybal/server.py: Server.DEF_WEIGHT and DEF_STATE (a new server starts up and pooled).
const DEFAULT_WEIGHT = 10;

/**
 * One pool's state machine, following pybal/coordinator.py: config updates from etcd
 * (onConfigUpdate), monitor results (resultUp/resultDown), depool/repool under canDepool, and the
 * pooled-but-down set. Pure: no I/O; monitors come from the factory, effects go through onChange.
 *
 * One deliberate difference: pybal 1.15's `refreshPreexistingServer` recomputes `pool = enabled and
 * up` for every server on every config change, which drops all pooled-but-down servers from IPVS
 * while its own /pools still says pooled. The lab instead depools them only as far as canDepool
 * allows after the change, and /pools tells the truth.
 */
export class PoolCoordinator {
  readonly servers = new Map<string, CoordinatedServer>();
  /** pybal's `pooledDownServers`: down servers kept pooled because canDepool said no. */
  readonly pooledDown = new Set<string>();
  couldNotDepoolTotal = 0;
  private stopped = false;

  constructor(private readonly options: PoolCoordinatorOptions) {}

  get name(): string {
    return this.options.name;
  }

  get depoolThreshold(): number {
    return this.options.depoolThreshold;
  }

  canDepool(): boolean {
    return canDepool(this.servers.values(), this.options.depoolThreshold);
  }

  /** The complete new set of servers (inactive ones already left out), as pybal/etcd.py hands it over. */
  onConfigUpdate(config: ReadonlyMap<string, ConftoolServerConfig>): void {
    if (this.stopped) return;
    for (const [host, server] of this.servers) {
      if (config.has(host)) continue;
      // Removed (inactive or deleted): pybal destroys it without a capacity check.
      for (const monitor of server.monitors) monitor.stop();
      this.servers.delete(host);
      this.pooledDown.delete(host);
      this.log(`Removing server ${host} (no longer found in new configuration)`);
    }
    for (const [host, update] of config) {
      const existing = this.servers.get(host);
      if (existing !== undefined) {
        this.merge(existing, update);
        continue;
      }
      this.addServer(host, update);
    }
    // pybal re-evaluates every server on a config change (refreshPreexistingServer); here the
    // pooled-but-down ones leave as far as the threshold now allows, as after a repool.
    this.depoolPooledDown();
    this.options.onChange();
  }

  /** A monitor's result: only the first check and transitions reach the coordinator (pybal/monitor.py). */
  report(host: string, monitor: string, up: boolean, reason?: string): void {
    const server = this.servers.get(host);
    if (this.stopped || server === undefined || !server.monitorUp.has(monitor)) return;
    const counts = server.monitorCounts.get(monitor);
    if (counts !== undefined) {
      if (up) counts.upResults += 1;
      else counts.downResults += 1;
    }
    const previous = server.monitorUp.get(monitor);
    if (previous === up) return;
    server.monitorUp.set(monitor, up);
    if (counts !== undefined) {
      if (up) counts.upTransitions += 1;
      else counts.downTransitions += 1;
    }
    if (up) this.resultUp(server);
    else this.resultDown(server, monitor, reason);
  }

  stop(): void {
    this.stopped = true;
    for (const server of this.servers.values()) for (const monitor of server.monitors) monitor.stop();
  }

  private addServer(host: string, update: ConftoolServerConfig): void {
    const address = this.options.resolve(host);
    const enabled = update.enabled ?? true;
    const server: CoordinatedServer = {
      host,
      address,
      weight: update.weight ?? DEFAULT_WEIGHT,
      enabled,
      // pybal/server.py `_ready`: up and pooled by default until a monitor says otherwise;
      // `maintainState` unpools it when disabled. An unresolvable server is never ready.
      up: address !== undefined,
      pooled: address !== undefined && enabled,
      monitorUp: new Map(),
      monitorCounts: new Map(),
      monitors: [],
    };
    this.servers.set(host, server);
    this.log(`New ${enabled ? 'enabled' : 'disabled'} server ${host}, weight ${server.weight}`);
    if (address === undefined) {
      this.log(`Initialization failed for server ${host}`);
      return;
    }
    server.monitors = this.options.createMonitors({ host, address, port: this.options.port }, (monitor) => (up, reason) => this.report(host, monitor, up, reason));
    for (const monitor of server.monitors) {
      server.monitorUp.set(monitor.name, undefined);
      server.monitorCounts.set(monitor.name, { upResults: 0, downResults: 0, upTransitions: 0, downTransitions: 0 });
    }
    for (const monitor of server.monitors) monitor.start();
  }

  /** pybal/server.py `merge` + `maintainState`, then the coordinator's pool decision. */
  private merge(server: CoordinatedServer, update: ConftoolServerConfig): void {
    if (update.weight !== undefined) server.weight = update.weight;
    if (update.enabled !== undefined) server.enabled = update.enabled;
    if (server.address === undefined) return;
    if (!server.enabled) {
      // An operator's depool is not capacity-checked (P0: pooled => enabled).
      server.pooled = false;
      this.pooledDown.delete(server.host);
    } else if (server.up) {
      server.pooled = true;
    }
    this.log(`Merged ${server.enabled ? 'enabled' : 'disabled'} server ${server.host}, weight ${server.weight}`);
  }

  /** pybal/server.py `calcStatus`: up iff every monitor reports up (and there is at least one). */
  private calcStatus(server: CoordinatedServer): boolean {
    return server.monitorUp.size > 0 && [...server.monitorUp.values()].every((up) => up === true);
  }

  private resultDown(server: CoordinatedServer, monitor: string, reason: string | undefined): void {
    this.log(`Monitoring instance ${monitor} reports server ${server.host} down: ${reason ?? '(reason unknown)'}`);
    if (!server.up) return;
    server.up = false;
    if (server.pooled) this.depool(server);
    this.options.onChange();
  }

  private resultUp(server: CoordinatedServer): void {
    if (server.up || !this.calcStatus(server)) return;
    this.log(`Server ${server.host} is up`);
    server.up = true;
    if (server.enabled && server.address !== undefined) this.repool(server);
    this.options.onChange();
  }

  private depool(server: CoordinatedServer): void {
    if (this.canDepool()) {
      server.pooled = false;
      this.pooledDown.delete(server.host);
    } else {
      this.pooledDown.add(server.host);
      this.couldNotDepoolTotal += 1;
      this.log(`Could not depool server ${server.host} because of too many down!`);
    }
  }

  /** pybal/coordinator.py `repool`: pool it, then depool the pooled-down servers that now may go. */
  private repool(server: CoordinatedServer): void {
    server.pooled = true;
    this.pooledDown.delete(server.host);
    this.depoolPooledDown();
  }

  private depoolPooledDown(): void {
    while (this.pooledDown.size > 0 && this.canDepool()) {
      const next = this.pooledDown.values().next().value;
      if (next === undefined) break;
      this.pooledDown.delete(next);
      const candidate = this.servers.get(next);
      if (candidate !== undefined && candidate.pooled) this.depool(candidate);
    }
  }

  private log(line: string): void {
    this.options.log?.(`[${this.options.name}] ${line}`);
  }
}
