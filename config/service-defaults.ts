import { own } from '../core/own.js';

/** What the defaults are derived from: a service's host groups and LVS pools as the config declares them. */
export interface DerivableService {
  host_groups: Readonly<Record<string, { kind: 'bare-metal' | 'k8s-worker'; default_lvs_service?: string | undefined }>>;
  lvs_services: Readonly<Record<string, { port: number; conftool: { cluster: string }; members: readonly string[] }>>;
}

/**
 * The bottom layer of a service's backend settings, under the shared `backends` block and the
 * service's own: everything that follows from the service's name and pools, so that a second
 * service is YAML alone and no service's name lives in code.
 *
 * - helm: the deployment-charts directory, namespace and app named after the service; the TLS
 *   NodePort is the port of the pool the workers join (Wikikube serves each service on the
 *   port its LVS service uses).
 * - metrics: the labels the default PromQL fills in; the bare-metal `cluster` label is the
 *   conftool cluster of the service's bare-metal pool, as puppet names both.
 * - simulation: the CDN starts on the first LVS service, and the simulated release is named
 *   like the real one.
 */
export function derivedBackends(name: string, service: DerivableService): Record<string, Record<string, unknown>> {
  const lvsServices = Object.entries(service.lvs_services);
  const workerPort = workerPool(service)?.port;
  const bareMetal = lvsServices.find(([, lvs]) => lvs.members.some((member) => own(service.host_groups, member)?.kind === 'bare-metal'))?.[1];
  const nodePort = workerPort ?? lvsServices[0]?.[1].port;
  return {
    helm: {
      release_dir: `/srv/deployment-charts/helmfile.d/services/${name}`,
      namespace: name,
      app: name,
      ...(workerPort === undefined ? {} : { nodeports: { tls: workerPort } }),
    },
    metrics: { labels: { namespace: name, cluster: bareMetal?.conftool.cluster ?? name, service: name, discovery: `${name}.discovery.wmnet` } },
    simulation: {
      ...(lvsServices[0] === undefined ? {} : { cdn_from: lvsServices[0][0] }),
      release: { namespace: name, app: name, ...(nodePort === undefined ? {} : { node_port: nodePort }) },
    },
  };
}

/** The pool Wikikube workers join: a worker group's default LVS service, or the first pool that lists one. */
function workerPool(service: DerivableService): DerivableService['lvs_services'][string] | undefined {
  const workerGroups = Object.entries(service.host_groups).filter(([, group]) => group.kind === 'k8s-worker');
  for (const [, group] of workerGroups) {
    const named = group.default_lvs_service === undefined ? undefined : own(service.lvs_services, group.default_lvs_service);
    if (named !== undefined) return named;
  }
  return Object.values(service.lvs_services).find((lvs) => lvs.members.some((member) => workerGroups.some(([groupName]) => groupName === member)));
}
