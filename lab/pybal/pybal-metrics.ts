import { Counter, Gauge, Registry } from 'prom-client';
import type { PoolCoordinator } from './pool-coordinator.js';

type Labels = Record<string, string>;

/**
 * One pybal process's /metrics: its own Registry (two LVS hosts in one lab process must not share
 * series), read from the coordinators at scrape time. Names and labels as pybal defines them:
 * pybal/coordinator.py (`pybal_service_*{service}`, service = `<name>_<port>`) and pybal/monitor.py
 * (`pybal_monitor_*{service,host,monitor}`). Counters restart at 0 when pybal restarts, as in production.
 */
export function pybalMetrics(pools: () => readonly PoolCoordinator[]): Registry {
  const registry = new Registry();
  const perService = (name: string, help: string, value: (pool: PoolCoordinator) => number): void => {
    new Gauge({
      name: `pybal_service_${name}`,
      help,
      labelNames: ['service'],
      registers: [registry],
      collect() {
        this.reset();
        for (const pool of pools()) this.set({ service: pool.name }, value(pool));
      },
    });
  };
  const servers = (pool: PoolCoordinator): Array<{ up: boolean; enabled: boolean; pooled: boolean }> => [...pool.servers.values()];
  perService('servers', 'Amount of servers', (pool) => pool.servers.size);
  perService('servers_enabled', 'Amount of enabled servers', (pool) => servers(pool).filter((server) => server.enabled).length);
  perService('servers_up', 'Amount of up servers', (pool) => servers(pool).filter((server) => server.up).length);
  perService('servers_pooled', 'Amount of pooled servers', (pool) => servers(pool).filter((server) => server.pooled).length);
  perService('can_depool', 'Can depool more servers', (pool) => (pool.canDepool() ? 1 : 0));
  perService('pooled_down_servers', 'Amount of down servers pooled because too many down', (pool) => pool.pooledDown.size);
  perService('depool_threshold', "Threshold of up servers vs total servers below which pybal can't depool any more", (pool) => pool.depoolThreshold);
  new Counter({
    name: 'pybal_service_could_not_depool_total',
    help: 'Pybal could not depool a server because too many down',
    labelNames: ['service'],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of pools()) this.inc({ service: pool.name }, pool.couldNotDepoolTotal);
    },
  });

  const eachMonitor = (visit: (labels: Labels, up: boolean | undefined, counts: { upResults: number; downResults: number; upTransitions: number; downTransitions: number }) => void): void => {
    for (const pool of pools()) {
      for (const server of pool.servers.values()) {
        for (const [monitor, up] of server.monitorUp) {
          const counts = server.monitorCounts.get(monitor);
          if (counts !== undefined) visit({ service: pool.name, host: server.host, monitor }, up, counts);
        }
      }
    }
  };
  const labelNames = ['service', 'host', 'monitor'];
  new Gauge({
    name: 'pybal_monitor_status',
    help: 'Monitor up status',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      // pybal sets it only on a transition: no series before a monitor's first check.
      eachMonitor((labels, up) => {
        if (up !== undefined) this.set(labels, up ? 1 : 0);
      });
    },
  });
  const monitorCounter = (name: string, help: string, pick: (counts: { upResults: number; downResults: number; upTransitions: number; downTransitions: number }) => number): void => {
    new Counter({
      name: `pybal_monitor_${name}`,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        eachMonitor((labels, _up, counts) => this.inc(labels, pick(counts)));
      },
    });
  };
  monitorCounter('up_transitions_total', 'Monitor up transition count', (counts) => counts.upTransitions);
  monitorCounter('down_transitions_total', 'Monitor down transition count', (counts) => counts.downTransitions);
  monitorCounter('up_results_total', 'Monitor up result count', (counts) => counts.upResults);
  monitorCounter('down_results_total', 'Monitor down result count', (counts) => counts.downResults);
  return registry;
}
