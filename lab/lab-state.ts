import type * as z from 'zod';
import type { helmRelease, kubePod, LabFault } from './control-api.js';
import type { MapsHost } from './hosts/maps-host.js';
import type { WorkerHost } from './hosts/worker-host.js';
import { podName } from './kube/pod-name.js';
import { LabError } from './lab-error.js';
import type { LabLoadBalancer } from './load-balancer.js';
import { hostsOf, type LabHost, type LabService, type LabTopology } from './topology.js';

export type HelmRelease = z.infer<typeof helmRelease>;
export type KubePod = z.infer<typeof kubePod>;

export interface LabStateOptions {
  topology: LabTopology;
  maps: ReadonlyMap<string, MapsHost>;
  workers: ReadonlyMap<string, WorkerHost>;
  loadBalancer: LabLoadBalancer;
}

const RELEASE = 'main';
const CHART = 'wmf-stable/kartotherian';
const IMAGE = 'docker-registry.discovery.wmnet/repos/maps/kartotherian:2025-02-17-120000-production';
/** helmfile's environments: staging has no workers in the lab, so its release runs nowhere. */
const EXTRA_ENVS = ['staging'];

/**
 * What the plan's steps have changed in the lab, and the steps themselves, as the stand-in tools
 * trigger them through the control server. Each action is idempotent like the real one: a second
 * puppet run or helm apply with nothing left to change reports no change.
 */
export class LabState {
  private readonly topology: LabTopology;
  private readonly cdnFrom: LabService;
  private readonly cdnTo: LabService;
  private readonly lvsServices = new Map<string, string[]>();
  private readonly atsPort = new Map<string, number>();
  private readonly releases = new Map<string, { deployed: boolean; revision: number }>();

  constructor(private readonly options: LabStateOptions) {
    this.topology = options.topology;
    const service = (name: string): LabService => {
      const found = this.topology.services.find((candidate) => candidate.name === name);
      if (found === undefined) throw new Error(`the topology has no LVS service ${name}`);
      return found;
    };
    this.cdnFrom = service(this.topology.cdnFrom);
    this.cdnTo = service(this.topology.cdnTo);
    const initial = this.topology.services.filter((candidate) => candidate.initiallyConfigured).map((candidate) => candidate.name);
    for (const host of hostsOf(this.topology, { role: 'lvs' })) this.lvsServices.set(host.fqdn, initial);
    for (const host of hostsOf(this.topology, { role: 'cache' })) this.atsPort.set(host.fqdn, this.cdnFrom.port);
    for (const env of [...this.topology.datacenters, ...EXTRA_ENVS]) this.releases.set(env, { deployed: false, revision: 0 });
  }

  /** The port a cache host's ATS mapping sends maps.wikimedia.org to. */
  cdnPort(cache: string): number {
    return this.atsPort.get(cache) ?? this.cdnFrom.port;
  }

  /** One puppet agent run: what it changed, nothing on a second run. */
  async runPuppet(fqdn: string): Promise<string[]> {
    const host = this.host(fqdn);
    switch (host.role) {
      case 'maps': {
        const opened = await this.mapsHost(fqdn).openAddedPort();
        return opened ? [`Profile::Maps::Tlsproxy/Tlsproxy::Localssl[${this.topology.service}-${this.cdnTo.port}]/Nginx::Site[${this.topology.service}-${this.cdnTo.port}]/File[/etc/nginx/sites-enabled/${this.topology.service}-${this.cdnTo.port}]/ensure: defined content as '{md5}4b5a6978'`] : [];
      }
      case 'lvs': {
        const services = this.lvsServices.get(fqdn) ?? [];
        if (services.includes(this.cdnTo.name)) return [];
        const next = [...services, this.cdnTo.name];
        this.options.loadBalancer.configureServices(fqdn, next);
        this.lvsServices.set(fqdn, next);
        // pybal reads its new section only when restarted: the puppet run just writes the file.
        return [`Profile::Pybal/File[/etc/pybal/pybal.conf]/content: content changed '{md5}0f1e2d3c' to '{md5}7c6b5a49'`];
      }
      case 'cache': {
        if (this.cdnPort(fqdn) === this.cdnTo.port) return [];
        this.atsPort.set(fqdn, this.cdnTo.port);
        return [`Profile::Trafficserver::Backend/Trafficserver::Remap[${this.topology.publicName}]/File[/etc/trafficserver/remap.config]/content: content changed '{md5}1a2b3c4d' to '{md5}5e6f7a8b'`];
      }
      case 'worker':
        // The workers' puppet (realserver pools, the VIP on loopback) is not modelled: nothing changes.
        return [];
      default:
        return host.role satisfies never;
    }
  }

  async restartPybal(fqdn: string): Promise<string[]> {
    this.lvsHost(fqdn);
    return this.options.loadBalancer.restartPybal(fqdn);
  }

  freezePybal(fqdn: string, frozen: boolean): void {
    this.lvsHost(fqdn);
    this.options.loadBalancer.freezeMonitor(fqdn, frozen);
  }

  /** helmfile -e <env> apply: the release's pods come up on every worker of the DC. */
  async applyHelm(env: string): Promise<{ changed: boolean; release: HelmRelease }> {
    const release = this.release(env);
    const started = await Promise.all(this.workersIn(env).map((worker) => worker.start()));
    const changed = !release.deployed || started.some(Boolean);
    if (changed) {
      release.deployed = true;
      release.revision += 1;
    }
    return { changed, release: this.helmRelease(env) };
  }

  helmRelease(env: string): HelmRelease {
    const release = this.release(env);
    return {
      env,
      deployed: release.deployed,
      revision: release.revision,
      replicas: release.deployed ? this.workersIn(env).length : 0,
      nodePort: this.cdnTo.port,
      chart: CHART,
      image: IMAGE,
    };
  }

  /** One pod per worker; ready once its server listens. The `unavailable` fault leaves it Running and ready, as in 2025. */
  pods(env: string): KubePod[] {
    const release = this.release(env);
    if (!release.deployed) return [];
    return this.workersIn(env).map((worker) => {
      const startedAt = worker.startedAt();
      return {
        name: podName(this.topology.service, RELEASE, env, release.revision, worker.host.fqdn),
        node: worker.host.fqdn,
        ready: startedAt !== undefined,
        phase: startedAt === undefined ? 'Pending' : 'Running',
        restarts: 0,
        startedAt: (startedAt ?? new Date()).toISOString(),
      };
    });
  }

  setFault(fqdn: string, fault: LabFault | null): void {
    const host = this.host(fqdn);
    const target = this.options.maps.get(fqdn) ?? this.options.workers.get(fqdn);
    if (target === undefined) throw new LabError(400, `${fqdn} is a ${host.role} host; faults apply to maps hosts and workers`);
    target.setFault(fault);
  }

  fault(fqdn: string): LabFault | null {
    return (this.options.maps.get(fqdn) ?? this.options.workers.get(fqdn))?.fault() ?? null;
  }

  private host(fqdn: string): LabHost {
    const host = this.topology.hosts.find((candidate) => candidate.fqdn === fqdn);
    if (host === undefined) throw new LabError(404, `there is no host ${fqdn} in the lab`);
    return host;
  }

  private mapsHost(fqdn: string): MapsHost {
    const host = this.options.maps.get(fqdn);
    if (host === undefined) throw new LabError(404, `maps host ${fqdn} is not running`);
    return host;
  }

  private lvsHost(fqdn: string): LabHost {
    const host = this.host(fqdn);
    if (host.role !== 'lvs') throw new LabError(400, `${fqdn} is a ${host.role} host; pybal runs on the LVS hosts`);
    return host;
  }

  private release(env: string): { deployed: boolean; revision: number } {
    const release = this.releases.get(env);
    if (release === undefined) throw new LabError(404, `helmfile has no environment ${env} (known: ${[...this.releases.keys()].join(', ')})`);
    return release;
  }

  private workersIn(env: string): WorkerHost[] {
    return [...this.options.workers.values()].filter((worker) => worker.host.dc === env);
  }
}
