import type { Config } from '../config/schema.js';

/** What a lab host is, which decides what it serves and what a puppet run on it changes. */
export type LabRole = 'maps' | 'worker' | 'lvs' | 'cache';

export interface LabHost {
  readonly fqdn: string;
  readonly dc: string;
  readonly role: LabRole;
  /** Its own loopback address: every host listens on the ports it has in production. */
  readonly address: string;
}

/** One LVS service (pybal pool) as the lab's balancer and pybal monitors serve it. */
export interface LabService {
  readonly name: string;
  readonly port: number;
  readonly tls: boolean;
  /** conftool's cluster and service: /conftool/v1/pools/<dc>/<cluster>/<service>/<fqdn>. */
  readonly cluster: string;
  readonly conftoolService: string;
  readonly depoolThreshold: number;
  /** Roles whose hosts may be members (maps; worker for the k8s pool). */
  readonly members: readonly LabRole[];
  /** True when the LVS hosts serve it from the start; false for the one the plan's LVS step adds. */
  readonly initiallyConfigured: boolean;
}

export interface LabTopology {
  readonly service: string;
  /** The public name every request carries as Host and SNI, and the lab CA's certificates hold. */
  readonly publicName: string;
  /** A real tile path, as the CDN and pybal's ProxyFetch ask for it. */
  readonly tilePath: string;
  readonly datacenters: readonly string[];
  readonly hosts: readonly LabHost[];
  readonly services: readonly LabService[];
  /** The service VIP per DC, on the balancer. */
  readonly vips: Readonly<Record<string, string>>;
  /** The LVS service the CDN fetches from until the plan's CDN step moves it. */
  readonly cdnFrom: string;
  /** The one the CDN step moves it to. */
  readonly cdnTo: string;
}

/** Second octet per DC, third per role: 127.20.1.5 is the fifth maps host of the first DC. */
const DC_OCTET_BASE = 20;
const ROLE_OCTET: Record<LabRole, number> = { maps: 1, worker: 2, lvs: 3, cache: 4 };
const VIP_OCTET = 10;

/** Production's LVS and cache host names per DC (wikimedia-ops.md); the config does not list them. */
const LVS_HOSTS: Record<string, readonly string[]> = {
  eqiad: ['lvs1019.eqiad.wmnet', 'lvs1020.eqiad.wmnet'],
  codfw: ['lvs2013.codfw.wmnet', 'lvs2014.codfw.wmnet'],
};
const CACHE_HOSTS: Record<string, readonly string[]> = {
  eqiad: ['cp1075.eqiad.wmnet', 'cp1076.eqiad.wmnet'],
  codfw: ['cp2041.codfw.wmnet', 'cp2042.codfw.wmnet'],
};

export function labAddress(dcIndex: number, role: LabRole, index: number): string {
  return `127.${DC_OCTET_BASE + dcIndex}.${ROLE_OCTET[role]}.${index + 1}`;
}

export function vipAddress(dcIndex: number): string {
  return `127.${DC_OCTET_BASE + dcIndex}.${VIP_OCTET}.1`;
}

/**
 * The lab's world for one service of a loaded config (config/kartotherian.yaml by default): its
 * hosts and pools as the config has them, plus the LVS and cache hosts production has around them.
 */
export function labTopology(config: Config, serviceName = 'kartotherian', options: { publicName?: string; tilePath?: string } = {}): LabTopology {
  const service = config.services[serviceName];
  if (service === undefined) throw new Error(`the config has no service ${serviceName}`);
  const hosts: LabHost[] = [];
  service.datacenters.forEach((dc, dcIndex) => {
    for (const group of Object.values(service.host_groups)) {
      const role: LabRole = group.kind === 'bare-metal' ? 'maps' : 'worker';
      (group.hosts[dc] ?? []).forEach((fqdn, index) => hosts.push({ fqdn, dc, role, address: labAddress(dcIndex, role, index) }));
    }
    (LVS_HOSTS[dc] ?? []).forEach((fqdn, index) => hosts.push({ fqdn, dc, role: 'lvs', address: labAddress(dcIndex, 'lvs', index) }));
    (CACHE_HOSTS[dc] ?? []).forEach((fqdn, index) => hosts.push({ fqdn, dc, role: 'cache', address: labAddress(dcIndex, 'cache', index) }));
  });
  const groupRole = (group: string): LabRole => (service.host_groups[group]?.kind === 'bare-metal' ? 'maps' : 'worker');
  const services: LabService[] = Object.entries(service.lvs_services).map(([name, lvs]) => {
    const members = lvs.members.map(groupRole);
    return {
      name,
      port: lvs.port,
      tls: lvs.tls,
      cluster: lvs.conftool.cluster,
      conftoolService: lvs.conftool.service,
      depoolThreshold: lvs.depool_threshold,
      members,
      // The pool workers may join is the one the plan's LVS step creates.
      initiallyConfigured: !members.includes('worker'),
    };
  });
  const initial = services.filter((candidate) => candidate.initiallyConfigured && candidate.tls);
  const added = services.find((candidate) => !candidate.initiallyConfigured);
  if (initial[0] === undefined || added === undefined) throw new Error(`${serviceName} needs a TLS pool for bare metal and one that workers join`);
  return {
    service: serviceName,
    publicName: options.publicName ?? 'maps.wikimedia.org',
    tilePath: options.tilePath ?? '/osm-intl/6/23/24.png',
    datacenters: service.datacenters,
    hosts,
    services,
    vips: Object.fromEntries(service.datacenters.map((dc, index) => [dc, vipAddress(index)])),
    cdnFrom: initial[0].name,
    cdnTo: added.name,
  };
}

export function hostsOf(topology: LabTopology, filter: { dc?: string; role?: LabRole }): LabHost[] {
  return topology.hosts.filter((host) => (filter.dc === undefined || host.dc === filter.dc) && (filter.role === undefined || host.role === filter.role));
}
