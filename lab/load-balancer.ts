import type { LabTopology } from './topology.js';

/**
 * The contract between the lab's composition (lab/lab.ts) and its load balancer: a real HAProxy
 * per DC in TCP mode on the VIP (the LVS stand-in), programmed through its runtime API by a
 * pybal-compatible monitor per LVS host that reads its pools from etcd.
 */
export interface LoadBalancerOptions {
  topology: LabTopology;
  /** A private temp dir: HAProxy config, stats socket, logs. */
  dir: string;
  /** etcd's client URL (v2 keys API), seeded in conftool's layout. */
  etcdUrl: string;
  /** How often the monitors health-check each server (pybal: 10 s; the lab runs faster). */
  checkIntervalMs: number;
  /** Per check (pybal: 5 s). */
  checkTimeoutMs: number;
}

export interface PybalMonitorAddress {
  dc: string;
  lvsHost: string;
  /** Its loopback address; the instrumentation API listens on `address:9090`, node metrics on `address:9100`. */
  address: string;
  instrumentationPort: number;
  nodeMetricsPort: number;
}

export interface LabLoadBalancer {
  readonly monitors: readonly PybalMonitorAddress[];
  /** A puppet run on an LVS host: which LVS services its pybal config holds; served after restartPybal. */
  configureServices(lvsHost: string, services: readonly string[]): void;
  /** The restart-pybal cookbook: the monitor reloads its config and serves exactly those pools. Resolves once it serves them. */
  restartPybal(lvsHost: string): Promise<string[]>;
  /** Fault: the monitor stops (true) or resumes (false) refreshing from etcd. */
  freezeMonitor(lvsHost: string, frozen: boolean): void;
  /** Where traffic goes now, per DC and pool: the balancer's own weights (for tests and `npm run lab`). */
  weights(dc: string, service: string): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export type StartLoadBalancer = (options: LoadBalancerOptions) => Promise<LabLoadBalancer>;
