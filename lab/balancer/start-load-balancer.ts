import type { LabLoadBalancer, LoadBalancerOptions, PybalMonitorAddress, StartLoadBalancer } from '../load-balancer.js';
import { PybalMonitor } from '../pybal/pybal-monitor.js';
import { hostsOf, type LabService } from '../topology.js';
import { backendName } from './backend-name.js';
import { haproxyConfigText } from './haproxy-config-text.js';
import { HaproxyPoolProgrammer } from './haproxy-pool-programmer.js';
import { startHaproxy, type HaproxyProcess } from './haproxy-process.js';
import { startIpvsNodeMetrics, type IpvsBackendRow } from './ipvs-node-metrics.js';

const INSTRUMENTATION_PORT = 9090;
const NODE_METRICS_PORT = 9100;

/**
 * The lab's LVS layer: one HAProxy per DC (each DC has its own LVS pair and its own VIP, so one
 * DC's balancer can fail or be inspected alone, as in production), and a pybal monitor per LVS
 * host; the DC's first LVS host is the primary and programs that DC's HAProxy. Every LVS host
 * also serves node_exporter's IPVS series on :9100.
 */
export const startLoadBalancer: StartLoadBalancer = async (options: LoadBalancerOptions): Promise<LabLoadBalancer> => {
  const { topology } = options;
  const haproxies = new Map<string, HaproxyProcess>();
  const monitors = new Map<string, PybalMonitor>();
  const closers: Array<() => Promise<void>> = [];
  const addresses: PybalMonitorAddress[] = [];
  const initial = topology.services.filter((service) => service.initiallyConfigured).map((service) => service.name);
  const membersOf = (dc: string, service: LabService): string[] => hostsOf(topology, { dc }).filter((host) => service.members.includes(host.role)).map((host) => host.fqdn);

  const stop = async (): Promise<void> => {
    await Promise.all([...monitors.values()].map((monitor) => monitor.stop()));
    await Promise.all(closers.splice(0).map((close) => close()));
    await Promise.all([...haproxies.values()].map((haproxy) => haproxy.stop()));
  };

  try {
    for (const dc of topology.datacenters) {
      const haproxy = await startHaproxy({ dir: options.dir, name: dc, config: (socket) => haproxyConfigText(topology, dc, socket) });
      haproxies.set(dc, haproxy);
      const programmer = new HaproxyPoolProgrammer(haproxy.runtime, new Map(topology.services.map((service) => [backendName(service), membersOf(dc, service)])));
      const lvsHosts = hostsOf(topology, { dc, role: 'lvs' });
      for (const [index, lvs] of lvsHosts.entries()) {
        const primary = index === 0;
        const monitor = new PybalMonitor({
          topology,
          lvs,
          etcdUrl: options.etcdUrl,
          services: initial,
          instrumentationPort: INSTRUMENTATION_PORT,
          checkIntervalMs: options.checkIntervalMs,
          checkTimeoutMs: options.checkTimeoutMs,
          ...(primary ? { programmer } : {}),
        });
        monitors.set(lvs.fqdn, monitor);
        await monitor.start();
        const rows = primary ? () => haproxyRows(haproxy, dc) : async () => secondaryRows(monitor, dc);
        const nodeMetrics = await startIpvsNodeMetrics(lvs.address, NODE_METRICS_PORT, rows);
        closers.push(() => nodeMetrics.close());
        addresses.push({ dc, lvsHost: lvs.fqdn, address: lvs.address, instrumentationPort: INSTRUMENTATION_PORT, nodeMetricsPort: NODE_METRICS_PORT });
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  /** The primary's IPVS table is HAProxy's: servers out of maintenance, their sessions and weights. */
  async function haproxyRows(haproxy: HaproxyProcess, dc: string): Promise<IpvsBackendRow[]> {
    const vip = topology.vips[dc] ?? '';
    const byBackend = new Map(topology.services.map((service) => [backendName(service), service]));
    const addressOf = new Map(hostsOf(topology, { dc }).map((host) => [host.fqdn, host.address]));
    return (await haproxy.runtime.showStat()).flatMap((row) => {
      const service = byBackend.get(row.backend);
      const address = addressOf.get(row.server);
      if (service === undefined || address === undefined || row.status === 'MAINT') return [];
      return [{ localAddress: vip, localPort: service.port, remoteAddress: address, remotePort: service.port, activeConnections: row.scur, weight: row.weight }];
    });
  }

  /** The secondary has the same table but no traffic: BGP sends the routers to the primary. */
  function secondaryRows(monitor: PybalMonitor, dc: string): IpvsBackendRow[] {
    const vip = topology.vips[dc] ?? '';
    return monitor.poolServices().flatMap(({ service, coordinator }) =>
      [...coordinator.servers.values()]
        .filter((server) => server.pooled && server.address !== undefined)
        .map((server) => ({ localAddress: vip, localPort: service.port, remoteAddress: server.address ?? '', remotePort: service.port, activeConnections: 0, weight: server.weight === 0 ? 1 : server.weight })),
    );
  }

  const monitorOf = (lvsHost: string): PybalMonitor => {
    const monitor = monitors.get(lvsHost);
    if (monitor === undefined) throw new Error(`no pybal on ${lvsHost}; LVS hosts: ${[...monitors.keys()].join(', ')}`);
    return monitor;
  };

  return {
    monitors: addresses,
    configureServices: (lvsHost, services) => monitorOf(lvsHost).configure(services),
    restartPybal: (lvsHost) => monitorOf(lvsHost).restart(),
    freezeMonitor: (lvsHost, frozen) => monitorOf(lvsHost).freeze(frozen),
    async weights(dc, serviceName) {
      const haproxy = haproxies.get(dc);
      const service = topology.services.find((candidate) => candidate.name === serviceName);
      if (haproxy === undefined || service === undefined) throw new Error(`no balancer for ${dc}/${serviceName}`);
      const rows = (await haproxy.runtime.showStat()).filter((row) => row.backend === backendName(service) && row.status !== 'MAINT');
      return Object.fromEntries(rows.map((row) => [row.server, row.weight]));
    },
    stop,
  };
};
