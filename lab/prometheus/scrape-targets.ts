import type { PybalMonitorAddress } from '../load-balancer.js';
import type { ScrapeTarget } from '../servers/prometheus-config.js';
import { hostsOf, type LabTopology } from '../topology.js';

export interface LabPorts {
  envoyMetrics: number;
  atsMetrics: number;
}

/**
 * What the lab's one Prometheus scrapes, with production's job names and labels. Production has a
 * Prometheus per DC and role (ops, k8s) and Thanos adds `site` and `prometheus` as external labels;
 * one Prometheus serves the whole lab, so those become target labels here, and the queries the bot
 * sends to Thanos answer the same against it.
 */
export function labScrapeTargets(topology: LabTopology, monitors: readonly PybalMonitorAddress[], ports: LabPorts = { envoyMetrics: 16543, atsMetrics: 9122 }): ScrapeTarget[] {
  const workers = hostsOf(topology, { role: 'worker' }).map((host) => ({
    job: 'k8s-pods-tls',
    address: `${host.address}:${ports.envoyMetrics}`,
    metricsPath: '/stats/prometheus',
    labels: { site: host.dc, prometheus: 'k8s', kubernetes_namespace: topology.service, app: topology.service, release: 'main' },
  }));
  const caches = hostsOf(topology, { role: 'cache' }).map((host) => ({
    job: 'trafficserver-upload',
    address: `${host.address}:${ports.atsMetrics}`,
    metricsPath: '/metrics',
    labels: { cluster: 'cache_upload', site: host.dc, prometheus: 'ops' },
  }));
  const lvs = (monitor: PybalMonitorAddress) => ({ cluster: 'lvs', site: monitor.dc, prometheus: 'ops' });
  const pybal = monitors.map((monitor) => ({ job: 'pybal', address: `${monitor.address}:${monitor.instrumentationPort}`, metricsPath: '/metrics', labels: lvs(monitor) }));
  const node = monitors.map((monitor) => ({ job: 'node', address: `${monitor.address}:${monitor.nodeMetricsPort}`, metricsPath: '/metrics', labels: lvs(monitor) }));
  return [...workers, ...caches, ...pybal, ...node];
}
