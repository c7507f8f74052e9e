import type { LabFault } from '../control-api.js';
import { startMetricsEndpoint } from '../servers/metrics-endpoint.js';
import type { LabHost } from '../topology.js';
import { createEnvoyMetrics, type EnvoyMetrics } from './envoy-metrics.js';
import type { HostCertificates } from './host-certificates.js';
import type { Listening } from '../servers/listen-on.js';
import { startHostServer, type HostServer } from './host-server.js';

export interface WorkerHostOptions {
  host: LabHost;
  tilePath: string;
  certificates: HostCertificates;
  latencyMs: () => number;
  /** The release's NodePort (6543) and the sidecar's metrics port (16543). */
  ports?: { nodePort: number; metrics: number };
}

export interface WorkerHost {
  readonly host: LabHost;
  readonly metrics: EnvoyMetrics;
  fault: () => LabFault | null;
  setFault(fault: LabFault | null): void;
  /** When its pod's server started listening; undefined before the release runs here. */
  startedAt(): Date | undefined;
  /** The release's pod comes up here: NodePort and envoy's metrics listen. False when it already ran. */
  start(): Promise<boolean>;
  stop(): Promise<void>;
}

export const WORKER_PORTS = { nodePort: 6543, metrics: 16543 } as const;

/**
 * A Wikikube worker: nothing listens until `helm apply` for its DC, then the NodePort answers TLS
 * (the envoy sidecar's mesh certificate) and envoy's metrics count every request it answered,
 * 503s from the `unavailable` fault included, as envoy counts its own 503s.
 */
export function createWorkerHost(options: WorkerHostOptions): WorkerHost {
  const ports = options.ports ?? WORKER_PORTS;
  const { host } = options;
  const metrics = createEnvoyMetrics();
  let fault: LabFault | null = null;
  let nodePort: HostServer | undefined;
  let metricsEndpoint: Listening | undefined;
  let startedAt: Date | undefined;
  let starting: Promise<void> | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    metricsEndpoint = await startMetricsEndpoint({ address: host.address, port: ports.metrics, path: '/stats/prometheus', registry: metrics.registry, what: `${host.fqdn} envoy metrics` });
    nodePort = await startHostServer({
      address: host.address,
      port: ports.nodePort,
      what: `${host.fqdn} NodePort`,
      tilePath: options.tilePath,
      certificates: options.certificates,
      fault: () => fault,
      latencyMs: options.latencyMs,
      onAnswered: (status, milliseconds) => metrics.observe(status, milliseconds),
    });
    startedAt = new Date();
    if (stopped) await close();
  };
  const close = async (): Promise<void> => {
    await Promise.all([nodePort?.close(), metricsEndpoint?.close()]);
  };

  return {
    host,
    metrics,
    fault: () => fault,
    setFault(next) {
      fault = next;
      nodePort?.refreshCertificate();
    },
    startedAt: () => startedAt,
    async start() {
      if (starting !== undefined) {
        await starting;
        return false;
      }
      starting = launch();
      try {
        await starting;
      } catch (error) {
        await close();
        starting = undefined;
        throw error;
      }
      return true;
    },
    async stop() {
      stopped = true;
      await close();
    },
  };
}
