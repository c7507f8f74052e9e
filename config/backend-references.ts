import type { PybalSettings } from '../adapters/conftool/settings.js';
import type { ProductionSettings } from '../adapters/production/settings.js';
import type { SimulationSettings } from '../adapters/simulated/simulation-settings.js';
import type { DerivableService } from './service-defaults.js';

/** A service's pools and DCs, which its backend settings must only ever name. */
export interface ReferencedService extends DerivableService {
  datacenters: readonly string[];
}

export interface Reference {
  /** Inside the block, e.g. ['cdn_from']. */
  path: PropertyKey[];
  message: string;
}

/**
 * Names a merged block uses that the service does not have. These are the mistakes sharing
 * invites: a block written once under `backends` for the first service and silently applied to
 * a second, whose pools, groups and DCs are different.
 */
export function simulationReferences(name: string, settings: SimulationSettings, service: ReferencedService): Reference[] {
  const lvs = lvsNames(name, service);
  const groups = groupNames(name, service);
  const problems: Reference[] = [];
  if (!Object.hasOwn(service.lvs_services, settings.cdn_from)) problems.push({ path: ['cdn_from'], message: lvs(settings.cdn_from) });
  for (const group of Object.keys(settings.open_ports)) {
    if (!Object.hasOwn(service.host_groups, group)) problems.push({ path: ['open_ports', group], message: groups(group) });
  }
  for (const [feature, effect] of Object.entries(settings.features)) {
    if (effect.opens !== undefined && !Object.hasOwn(service.host_groups, effect.opens.group)) problems.push({ path: ['features', feature, 'opens', 'group'], message: groups(effect.opens.group) });
    if (effect.lvs_service !== undefined && !Object.hasOwn(service.lvs_services, effect.lvs_service)) problems.push({ path: ['features', feature, 'lvs_service'], message: lvs(effect.lvs_service) });
    if (effect.cdn_to !== undefined && !Object.hasOwn(service.lvs_services, effect.cdn_to)) problems.push({ path: ['features', feature, 'cdn_to'], message: lvs(effect.cdn_to) });
  }
  return problems;
}

/** The probes need the service's VIP, and the pybal restart its LVS hosts, in every DC it runs in. */
export function productionReferences(name: string, settings: ProductionSettings, service: ReferencedService): Reference[] {
  return [
    ...missingDcs(name, Object.keys(settings.probes.vips), service, ['probes', 'vips'], 'VIP'),
    ...missingDcs(name, Object.keys(settings.pybal_restart.order), service, ['pybal_restart', 'order'], 'LVS restart order'),
  ];
}

export function pybalReferences(name: string, settings: PybalSettings, service: ReferencedService): Reference[] {
  return missingDcs(name, Object.keys(settings.lvs_hosts), service, ['lvs_hosts'], 'LVS hosts');
}

function missingDcs(name: string, configured: readonly string[], service: ReferencedService, path: PropertyKey[], what: string): Reference[] {
  const missing = service.datacenters.filter((dc) => !configured.includes(dc));
  return missing.length === 0 ? [] : [{ path, message: `no ${what} for ${missing.join(', ')} (${name} runs in ${service.datacenters.join(', ')})` }];
}

function lvsNames(name: string, service: ReferencedService): (wanted: string) => string {
  return (wanted) => `unknown LVS service "${wanted}" (${name} has ${Object.keys(service.lvs_services).join(', ')})`;
}

function groupNames(name: string, service: ReferencedService): (wanted: string) => string {
  return (wanted) => `unknown host group "${wanted}" (${name} has ${Object.keys(service.host_groups).join(', ')})`;
}
