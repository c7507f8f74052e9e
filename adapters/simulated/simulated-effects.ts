import { CutoverError } from '../../core/errors.js';
import type { Inventory } from '../../core/inventory.js';
import type { Reading } from '../../core/plan/analysis.js';
import { noBaseline, type Baseline } from '../../core/plan/baseline.js';
import type { Check } from '../../core/plan/plan-schema.js';
import type { CheckContext, CheckOutcome, HealthSnapshot, HelmDiffOutcome, PlanEffects } from '../../core/ports/plan-effects.js';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import type { PoolingBackend } from '../../core/ports/pooling.js';
import { showsExpected } from '../pybal/confirm-applied.js';
import { type ExpectedPybalState, type PybalConfirmation } from '../../core/ports/pybal.js';
import type { PybalHostView } from '../../core/ports/pybal.js';
import type { RealTrafficProber, RealTrafficReport } from '../../core/ports/real-traffic.js';
import { realTrafficOutcome } from '../real-traffic-outcome.js';
import { attemptsWithinLimit } from '../real-traffic-request.js';
import { groupHealth, realRequestFailure, servesRealRequests, type FleetFaults } from './fleet-model.js';
import type { FleetState } from './fleet-state.js';
import { FleetView } from './fleet-view.js';
import { simulatedHelmDiff, type SimulatedChart } from './simulated-helm-diff.js';
import { SimulatedRealTraffic } from './simulated-real-traffic.js';
import type { SimulationSettings } from './simulation-settings.js';

export interface SimulatedEffectsOptions {
  inventory: Inventory;
  pooling: Pick<PoolingBackend, 'listPool'>;
  fleet: FleetState;
  settings: SimulationSettings;
  sleep?: (ms: number) => Promise<void>;
}

type Adapter = FleetFaults['hanging'][number];

/** Requests per target when a plan step proves workers: production's default `vip_attempts`. */
const CHECK_ATTEMPTS = 5;

/**
 * The plan's world, simulated: puppet changes flip features, helm deploys a release, and every
 * check answers from the same traffic model the metrics use, faults included. A broken worker
 * passes pybal's checks here exactly as it did in production, and fails real requests; so does
 * one whose certificate lacks the public name (2025-02-19), since pybal never checks names.
 */
export class SimulatedEffects implements PlanEffects, PoolObserver, RealTrafficProber {
  readonly kind = 'simulated';
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly view: FleetView;
  private readonly realTraffic: SimulatedRealTraffic;

  constructor(private readonly options: SimulatedEffectsOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.view = new FleetView(options);
    this.realTraffic = new SimulatedRealTraffic({ inventory: options.inventory, fleet: options.fleet, view: this.view, settings: options.settings, metrics: this, sleep: this.sleep });
  }

  async probeWorkers(args: { dc: string; lvsService: string; workers: readonly string[]; attempts: number }): Promise<RealTrafficReport> {
    return this.realTraffic.probeWorkers(args);
  }

  describePuppet({ selector, batchSize, applies }: { selector: string; batchSize: number; applies: string }): string[] {
    return [`sudo cumin -b ${batchSize} --force '${selector}' 'run-puppet-agent'  # applies ${applies}`];
  }

  async runPuppet({ dc, selector, applies }: { dc: string; selector: string; batchSize: number; applies: string; reason: string }): Promise<CheckOutcome> {
    await this.maybeHang('puppet');
    const changed = await this.options.fleet.applyFeature(dc, applies);
    return { ok: true, summary: `puppet on ${selector}: ${changed ? `applied ${applies}` : 'no change (already applied)'}` };
  }

  describeLvsService({ dc, applies }: { dc: string; lvsService: string; applies: string }): string[] {
    const [primary, secondary] = this.lvsHosts(dc);
    return [
      `sudo cumin '${secondary}' 'run-puppet-agent'  # applies ${applies}`,
      `sudo cookbook sre.loadbalancer.restart-pybal --query '${secondary}'`,
      `sudo cumin '${primary}' 'run-puppet-agent'`,
      `sudo cookbook sre.loadbalancer.restart-pybal --query '${primary}'`,
    ];
  }

  async applyLvsService({ dc, lvsService, applies }: { dc: string; lvsService: string; applies: string; reason: string }): Promise<CheckOutcome> {
    await this.maybeHang('puppet');
    const changed = await this.options.fleet.applyFeature(dc, applies);
    const [primary, secondary] = this.lvsHosts(dc);
    return { ok: true, summary: `${lvsService}: puppet + pybal restart on ${secondary} then ${primary} ${changed ? 'done' : '(already in place)'}` };
  }

  describeHelm({ env }: { env: string }): string[] {
    const { namespace } = this.options.settings.release;
    return [`helmfile -e ${env} diff`, `helmfile -e ${env} apply`, `kubectl -n ${namespace} rollout status deployment/${this.deployment()}`];
  }

  async helmDiff({ env }: { env: string }): Promise<HelmDiffOutcome> {
    await this.maybeHang('helm');
    const { namespace, node_port: nodePort } = this.options.settings.release;
    return simulatedHelmDiff({ namespace, deployment: this.deployment(), nodePort }, await this.options.fleet.release(env), await this.chart(env));
  }

  async helmApply({ env }: { env: string; reason: string }): Promise<CheckOutcome> {
    await this.maybeHang('helm');
    const chart = await this.chart(env);
    await this.options.fleet.deploy(env, chart);
    return { ok: true, summary: `${env}: applied, ${chart.replicas}/${chart.replicas} pods ready` };
  }

  /** What the chart renders: the release settings, unless a test or rehearsal changed the chart since. */
  private async chart(env: string): Promise<SimulatedChart> {
    return (await this.options.fleet.chart(env)) ?? { replicas: this.options.settings.release.replicas, image: `${this.deployment()}:simulated` };
  }

  /** `<app>-<release>`, as WMF charts name the Deployment. */
  private deployment(): string {
    return `${this.options.settings.release.app}-${this.options.settings.release.name}`;
  }

  async runCheck(check: Check, context: CheckContext): Promise<CheckOutcome> {
    const { dc } = context;
    const faults = await this.options.fleet.faults();
    switch (check.check) {
      case 'tls-probe': {
        await this.maybeHang('probes');
        const hosts = this.options.inventory.hosts.filter((host) => host.dc === dc && host.group === check.group);
        const open = await this.view.portOpen(dc, check.group, check.port);
        if (!open) return { ok: false, summary: `TLS on ${check.port}: 0/${hosts.length} ${check.group} hosts answer (connection refused)` };
        const misnamed = hosts.filter((host) => faults.wrong_cert_hosts.includes(host.fqdn));
        return misnamed.length === 0
          ? { ok: true, summary: `TLS on ${check.port}: ${hosts.length}/${hosts.length} ${check.group} hosts answer, names ok` }
          : { ok: false, summary: `TLS on ${check.port}: ${hosts.length - misnamed.length}/${hosts.length} ${check.group} hosts ok; ${misnamed.map((host) => host.shortName).join(', ')}: certificate lacks the public name` };
      }
      case 'vip-probe': {
        await this.maybeHang('probes');
        const live = await this.view.lvsLive(dc, check.lvs_service);
        const hosts = await this.view.hosts(dc, check.lvs_service);
        const serving = hosts.filter((host) => host.state?.pooled === 'yes' && servesRealRequests(host.fqdn, faults));
        const ok = live && serving.length > 0;
        return { ok, summary: `VIP ${check.lvs_service} (${dc}): ${ok ? `200 image/png via ${serving.length} serving hosts` : live ? 'no serving host' : 'connection refused (no pybal service)'}` };
      }
      case 'pybal-pool': {
        await this.maybeHang('pybal');
        const live = await this.view.lvsLive(dc, check.lvs_service);
        const members = (await this.view.hosts(dc, check.lvs_service)).filter((host) => this.groupOf(host.fqdn) === check.group && host.state?.pooled === 'yes');
        // pybal's checks never touch the VIP, so broken hosts show as up here too.
        return live
          ? { ok: members.length > 0, summary: `pybal ${check.lvs_service}: ${members.length} ${check.group} hosts enabled/up on both LVS` }
          : { ok: false, summary: `pybal has no pool ${check.lvs_service}_* yet` };
      }
      case 'traffic-moved': {
        await this.maybeHang('metrics');
        const target = await this.view.cdnTarget(dc);
        if (faults.no_metrics) return { ok: false, inconclusive: true, summary: 'no metrics data for the CDN backends' };
        const ok = target === check.to;
        return { ok, summary: ok ? `CDN traffic on ${check.to}, none left on ${check.from}, 5xx unchanged` : `CDN still sends traffic to ${target}` };
      }
      case 'release-ready': {
        await this.maybeHang('helm');
        const release = await this.options.fleet.release(dc);
        if (release === undefined) return { ok: false, summary: `no release deployed in ${dc}` };
        // Production requests the tile from the NodePort of the DC's first worker, public name and all.
        const worker = this.options.inventory.hosts.find((host) => host.dc === dc && host.kind === 'k8s-worker');
        const failure = worker === undefined ? undefined : realRequestFailure(worker.fqdn, faults);
        const nodePort = this.options.settings.release.node_port;
        return failure === undefined
          ? { ok: true, summary: `${release.replicas}/${release.replicas} pods ready, NodePort ${nodePort} answers 200 on a worker` }
          : { ok: false, summary: `${release.replicas}/${release.replicas} pods ready, but NodePort ${nodePort} on ${worker?.shortName ?? 'a worker'}: ${failure}` };
      }
      case 'real-traffic': {
        const workers = context.pooled.get(check.group) ?? [];
        if (workers.length === 0) return { ok: false, summary: `no ${check.group} worker is pooled in ${check.lvs_service}` };
        const report = await this.probeWorkers({ dc, lvsService: check.lvs_service, workers, attempts: attemptsWithinLimit(workers.length, CHECK_ATTEMPTS) });
        return realTrafficOutcome(report, { minRequestRate: context.minRequestRate });
      }
      default:
        return check satisfies never;
    }
  }

  /**
   * Health the way production can read it: k8s from "envoy" (the traffic model), bare metal only
   * as the bot's probe sample of each bare-metal host (CHECK_ATTEMPTS requests each; hosts whose
   * port is closed refuse and are left out), k8s's share as IPVS would count it (weights), and
   * the CDN's view of the whole service. Probes need no Prometheus, so no_metrics leaves the
   * probe sample standing.
   */
  async health({ dc, lvsService }: { dc: string; lvsService: string }): Promise<HealthSnapshot> {
    await this.maybeHang('metrics');
    const faults = await this.options.fleet.faults();
    const noData = (reason: string): Reading => ({ kind: 'no-data', reason });
    if (faults.no_metrics) {
      const none = { errorRatio: noData('no series'), p99Seconds: noData('no series'), requestRate: noData('no series') };
      return { k8s: none, baseline: await this.probeBareMetal(dc, lvsService, faults), k8sShare: noData('no series'), cdn: none };
    }
    // Read together: `status` asks pybal for the same pool at the same moment, and concurrent listings of a pool share one read.
    const [baseline, target, hosts] = await Promise.all([this.probeBareMetal(dc, lvsService, faults), this.view.cdnTarget(dc), this.view.hosts(dc, lvsService)]);
    const receives = target === lvsService;
    const traffic = { ...this.options.settings.traffic, requestsPerSecond: receives ? (this.options.settings.traffic.requests_per_second[dc] ?? 0) : 0 };
    const model = { requestsPerSecond: traffic.requestsPerSecond, baseP99Seconds: traffic.base_p99_seconds, baseErrorRatio: traffic.base_error_ratio };
    const value = (v: number): Reading => ({ kind: 'value', value: v });
    const [k8sModel, bareMetalModel] = [groupHealth(hosts, 'k8s', faults, model), groupHealth(hosts, 'bare-metal', faults, model)];
    const k8s: HealthSnapshot['k8s'] =
      k8sModel.requestRate <= 0
        ? { errorRatio: noData('no requests'), p99Seconds: noData('no requests'), requestRate: value(0) }
        : { errorRatio: value(k8sModel.errorRatio), p99Seconds: value(k8sModel.p99Seconds), requestRate: value(k8sModel.requestRate) };
    const share = traffic.requestsPerSecond > 0 ? k8sModel.share : 0;
    // The CDN sees both groups at once: errors weighted by each group's share, the slower group's p99.
    const served = [k8sModel, bareMetalModel].filter((group) => group.share > 0);
    const cdn: HealthSnapshot['cdn'] =
      traffic.requestsPerSecond <= 0 || served.length === 0
        ? { errorRatio: noData('no requests'), p99Seconds: noData('no requests'), requestRate: value(0) }
        : {
            errorRatio: value(served.reduce((sum, group) => sum + group.errorRatio * group.share, 0) / served.reduce((sum, group) => sum + group.share, 0)),
            p99Seconds: value(Math.max(...served.map((group) => group.p99Seconds))),
            requestRate: value(traffic.requestsPerSecond),
          };
    return { k8s, baseline, k8sShare: value(share), cdn };
  }

  /** What production's probeBareMetal would find: each bare-metal member asked CHECK_ATTEMPTS times on the service's port. */
  private async probeBareMetal(dc: string, lvsService: string, faults: FleetFaults): Promise<Baseline> {
    const members = this.options.inventory.members(lvsService, dc).filter((host) => host.kind === 'bare-metal');
    if (members.length === 0) return noBaseline(`${lvsService} has no bare-metal member in ${dc}`);
    const port = this.options.inventory.lvsService(lvsService).port;
    const serving = [];
    // Whether a port is open depends on the group, not the host: one look per group, not a Redis read per host.
    const open = new Map<string, boolean>();
    for (const host of members) {
      const known = open.get(host.group) ?? (await this.view.portOpen(dc, host.group, port));
      open.set(host.group, known);
      if (known) serving.push(host);
    }
    if (serving.length === 0) return noBaseline(`no bare-metal host accepts connections on ${port} in ${dc}`);
    const failedHosts = serving.filter((host) => realRequestFailure(host.fqdn, faults) !== undefined).length;
    const answered = serving.length - failedHosts;
    return {
      kind: 'probe-sample',
      requests: serving.length * CHECK_ATTEMPTS,
      failed: failedHosts * CHECK_ATTEMPTS,
      p99Seconds: answered === 0 ? undefined : this.options.settings.traffic.base_p99_seconds['bare-metal'],
      hosts: serving.length,
    };
  }

  private groupOf(fqdn: string): string | undefined {
    return this.options.inventory.hosts.find((host) => host.fqdn === fqdn)?.group;
  }

  private lvsHosts(dc: string): [string, string] {
    const hosts = this.options.settings.lvs_hosts[dc] ?? [`lvs-${dc}`];
    return [hosts[0] ?? `lvs-${dc}`, hosts[1] ?? hosts[0] ?? `lvs-${dc}`];
  }

  /** The simulated pybal reads conftool directly, so what was written is what it shows. */
  async confirmApplied(pool: { dc: string; lvsService: string; port: number }, fqdn: string, expected: ExpectedPybalState): Promise<PybalConfirmation[]> {
    const views = await this.pybal(pool);
    return views.map((view) => {
      const observed = view.ok ? (view.servers[fqdn] ?? null) : null;
      if (!view.ok) return { lvsHost: view.lvsHost, outcome: 'error', error: { kind: view.error, detail: view.detail }, elapsedMs: 0 };
      return { lvsHost: view.lvsHost, outcome: showsExpected(observed, expected) ? 'applied' : 'pending', observed, elapsedMs: 0 };
    });
  }

  /** pybal as it would report the pool: every pooled host enabled and, since its checks never touch the VIP, up. */
  async pybal(pool: { dc: string; lvsService: string; port: number }): Promise<PybalHostView[]> {
    await this.maybeHang('pybal');
    const [live, hosts] = await Promise.all([this.view.lvsLive(pool.dc, pool.lvsService), this.view.hosts(pool.dc, pool.lvsService)]);
    const servers = Object.fromEntries(
      hosts.filter((host) => host.state !== undefined && host.state.pooled !== 'inactive').map((host) => [host.fqdn, { pooled: host.state?.pooled === 'yes', weight: host.state?.weight ?? 0, up: true, enabled: host.state?.pooled === 'yes' }]),
    );
    return (this.options.settings.lvs_hosts[pool.dc] ?? []).map((lvsHost) => {
      const url = `http://${lvsHost}:9090/pools/${pool.lvsService}_${pool.port}`;
      return live ? { lvsHost, url, ok: true as const, servers } : { lvsHost, url, ok: false as const, error: 'http-error' as const, detail: '404: no such pool yet' };
    });
  }

  /** A hanging adapter in the simulation behaves like one in production: nothing, then a timeout. */
  private async maybeHang(adapter: Adapter): Promise<void> {
    const faults = await this.options.fleet.faults();
    if (!faults.hanging.includes(adapter)) return;
    await this.sleep(this.options.settings.adapter_timeout_ms);
    throw new CutoverError('adapter.timeout', `${adapter} did not answer within ${this.options.settings.adapter_timeout_ms} ms (simulated hang)`);
  }
}
