import type { LabTopology } from '../topology.js';
import { hostsOf } from '../topology.js';

export interface LabBotConfigInput {
  topology: LabTopology;
  /** The shipped config as YAML data (config/kartotherian.yaml): its service, people and access are the lab's. */
  base: Record<string, unknown>;
  etcdUrl: string;
  prometheusUrl: string;
  /** The lab CA's PEM: the bot trusts it as production's probes trust the Puppet CA. */
  caPem: string;
  /** Absolute path of the plan file. */
  planFile: string;
  /** The helmfile release directory the stand-in helmfile runs in. */
  releaseDir: string;
  stateDir: string;
  timeScale: number;
  prefix: string;
  /** The health queries' rate() window: production's 5m would still hold the minutes before a time-scaled change. */
  window?: string;
}

/**
 * The bot's config for the lab: the shipped service, people and plan, with every backend a
 * production one (etcd, pybal, helmfile, cumin, the restart-pybal cookbook, Prometheus, real
 * probes) pointed at the lab, and `network.resolve` mapping each production host name to its lab
 * address, as a user would map a host not yet in DNS. Data in, data out: the caller writes YAML.
 */
export function labBotConfig(input: LabBotConfigInput): Record<string, unknown> {
  const { topology } = input;
  const services = { ...(input.base['services'] as Record<string, Record<string, unknown>>) };
  const service = { ...(services[topology.service] ?? {}) };
  // The simulated world is what the lab replaces; everything else of the service stays as shipped.
  const { simulation: _simulation, ...serviceBackends } = (service['backends'] ?? {}) as Record<string, unknown>;
  service['backends'] = serviceBackends;
  const byDc = <T>(pick: (dc: string) => T): Record<string, T> => Object.fromEntries(topology.datacenters.map((dc) => [dc, pick(dc)]));
  const lvs = byDc((dc) => hostsOf(topology, { dc, role: 'lvs' }).map((host) => host.fqdn));
  const aliases = ['maps', ...topology.datacenters.flatMap((dc) => [`maps-${dc}`, `cp-upload-${dc}`, `wikikube-worker-${dc}`, `lvs-${dc}`])];
  return {
    services: { [topology.service]: service },
    people: input.base['people'],
    access: input.base['access'],
    backends: {
      pooling: { kind: 'etcd', endpoints: [input.etcdUrl], timeout_ms: 3000 },
      pybal: { lvs_hosts: lvs },
      helm: {
        host: { kind: 'local' },
        release_dir: input.releaseDir,
        environments: byDc((dc) => ({ datacenter: dc, kube_context: dc })),
      },
      puppet: {
        host: { kind: 'local' },
        aliases,
        host_pattern: '^(maps[12]\\d{3}|wikikube-worker[12]\\d{3}|lvs[12]\\d{3}|cp[12]\\d{3})\\.(eqiad|codfw)\\.wmnet$',
      },
      metrics: { kind: 'prometheus', base_url: input.prometheusUrl, timeout_ms: 3000, max_staleness_seconds: 30 },
      production: {
        probes: {
          public_url: `https://${topology.publicName}${topology.tilePath}`,
          expected_names: [topology.publicName, `${topology.service}.discovery.wmnet`],
          vips: topology.vips,
          ca: input.caPem,
        },
        // Secondary first, as the cookbook's guidance says (wikimedia-ops §6).
        pybal_restart: { order: byDc((dc) => [...(lvs[dc] ?? [])].reverse()) },
        window: input.window ?? '30s',
      },
    },
    network: { resolve: topology.hosts.map((host) => `${host.fqdn}:*:${host.address}`) },
    plans: { [topology.service]: { file: input.planFile, time_scale: input.timeScale } },
    transports: { console: { channel: '#wikimedia-operations', speaker: 'alice' } },
    redis: { prefix: input.prefix, autostart: true },
    state_dir: input.stateDir,
    shutdown_grace_seconds: 10,
  };
}
