import { showArgv, type CommandRunner } from '../command-runner.js';
import { CutoverError } from '../../core/errors.js';
import type { Inventory } from '../../core/inventory.js';
import type { Check } from '../../core/plan/plan-schema.js';
import type { HelmDeployer } from '../helm/helm-deployer.js';
import { formatRolloutStatus } from '../helm/rollout-summary.js';
import type { HealthReader } from '../metrics/health-reader.js';
import type { CheckContext, CheckOutcome, HealthSnapshot, HelmDiffOutcome, PlanEffects } from '../../core/ports/plan-effects.js';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import type { Prober } from '../probes/prober.js';
import { probeVipPath } from '../probes/vip-path.js';
import type { RealTrafficProber, RealTrafficReport } from '../../core/ports/real-traffic.js';
import { realTrafficOutcome } from '../real-traffic-outcome.js';
import { attemptsWithinLimit } from '../real-traffic-request.js';
import type { PuppetRunner } from '../puppet/puppet-runner.js';
import { formatPuppetRun } from '../puppet/puppet-summary.js';
import type { ExpectedPybalState, PybalConfirmation } from '../../core/ports/pybal.js';
import type { PybalHostView } from '../../core/ports/pybal.js';
import type { PybalView } from '../pybal/pybal-view.js';
import { ProductionRealTraffic } from './production-real-traffic.js';
import { readHealth } from './read-health.js';
import type { ProductionSettings } from './settings.js';
import { vipProbeRequest } from './vip-request.js';
import { checkTrafficMoved } from './traffic-moved.js';
import { settle, settleWindow } from './settle.js';
import { Recent } from './recent.js';
import type { Baseline } from '../../core/plan/baseline.js';

export interface ProductionEffectsDeps {
  inventory: Inventory;
  settings: ProductionSettings;
  puppet: PuppetRunner;
  helm: HelmDeployer;
  prober: Prober;
  pybal: Pick<PybalView, 'readPool' | 'confirmApplied'>;
  health: HealthReader;
  /** Runs the pybal restart cookbook on the cumin host. */
  cookbooks: CommandRunner;
}

/**
 * The plan's effects on the real fleet: cumin and puppet, the pybal restart cookbook, helmfile,
 * probes of the VIP and of every real server with the public Host and SNI, pybal's own view, and
 * Prometheus. Each piece is its own adapter with its own tests; this only composes them.
 */
export class ProductionEffects implements PlanEffects, PoolObserver, RealTrafficProber {
  readonly kind = 'production';
  private readonly realTraffic: ProductionRealTraffic;
  /** The bare-metal probe sample, shared by every health read within 15 s. */
  private readonly baselines = new Recent<Baseline>(15_000);

  constructor(private readonly deps: ProductionEffectsDeps) {
    this.realTraffic = new ProductionRealTraffic(deps);
  }

  async probeWorkers(args: { dc: string; lvsService: string; workers: readonly string[]; attempts: number }): Promise<RealTrafficReport> {
    return this.realTraffic.probeWorkers(args);
  }

  describePuppet({ selector, batchSize }: { selector: string; batchSize: number; applies: string }): string[] {
    return [`sudo -n cumin -b ${batchSize} --force '${selector}' 'run-puppet-agent'`];
  }

  async runPuppet({ selector, batchSize, reason }: { dc: string; selector: string; batchSize: number; applies: string; reason: string }): Promise<CheckOutcome> {
    const outcome = await this.deps.puppet.runPuppet({ selector, batchSize, reason });
    if (outcome.dryRun) return { ok: true, summary: `dry-run: ${outcome.commands.join(' ; ')}` };
    return { ok: outcome.report.ok, summary: formatPuppetRun(outcome.report) };
  }

  describeLvsService({ dc }: { dc: string; lvsService: string; applies: string }): string[] {
    return this.lvsOrder(dc).flatMap((host) => [`sudo -n cumin --force '${host}' 'run-puppet-agent'`, showArgv(this.restartArgv(host, '<reason>'))]);
  }

  /** One LVS at a time, secondary first, and each must show the new pool before the next is touched. */
  async applyLvsService({ dc, lvsService, reason }: { dc: string; lvsService: string; applies: string; reason: string }): Promise<CheckOutcome> {
    const port = this.deps.inventory.lvsService(lvsService).port;
    const done: string[] = [];
    for (const host of this.lvsOrder(dc)) {
      const puppet = await this.deps.puppet.runPuppet({ selector: host, batchSize: 1, reason });
      // A dry run restarts no pybal either: the cookbook runner has no dry-run of its own, and a restart is a write to the load balancer.
      if (puppet.dryRun) return { ok: true, summary: `dry-run: ${this.describeLvsService({ dc, lvsService, applies: '' }).join(' ; ')}` };
      if (!puppet.report.ok) return { ok: false, summary: `${formatPuppetRun(puppet.report)}; stopped before touching the next LVS` };
      const restart = await this.deps.cookbooks.run({ argv: this.restartArgv(host, reason), timeoutMs: this.deps.settings.pybal_restart.timeout_ms });
      if (restart.exitCode !== 0) return { ok: false, summary: `pybal restart on ${host} exited ${restart.exitCode}: ${restart.stderr.split('\n').slice(-2).join(' | ')}` };
      const views = await this.deps.pybal.readPool({ dc, lvsService, port });
      const view = views.find((candidate) => candidate.lvsHost === host);
      if (view === undefined || !view.ok) return { ok: false, summary: `pybal on ${host} does not serve ${lvsService}_${port} after the restart` };
      done.push(host.split('.')[0] ?? host);
    }
    return { ok: true, summary: `${lvsService} live on ${done.join(' then ')}` };
  }

  describeHelm({ env }: { env: string }): string[] {
    return [`helmfile -e ${env} diff`, `helmfile -e ${env} apply`, `kubectl rollout status (${env})`];
  }

  async helmDiff({ env }: { env: string }): Promise<HelmDiffOutcome> {
    const outcome = await this.deps.helm.diff({ env });
    if (outcome.dryRun) return { ok: true, changed: true, summary: `dry-run: ${outcome.commands.join(' ; ')}`, text: outcome.commands.join('\n') };
    return { ok: true, changed: outcome.diff.changed, summary: outcome.diff.channelSummary, text: outcome.diff.text };
  }

  async helmApply({ env, reason }: { env: string; reason: string }): Promise<CheckOutcome> {
    const outcome = await this.deps.helm.apply({ env, reason });
    if (outcome.dryRun) return { ok: true, summary: `dry-run: ${outcome.commands.join(' ; ')}` };
    if (!outcome.apply.ok) return { ok: false, summary: `helmfile apply ${env} exited ${outcome.apply.exitCode}: ${outcome.apply.tail.split('\n').slice(-2).join(' | ')}` };
    const status = await this.deps.helm.rolloutStatus({ env });
    if (status.dryRun) return { ok: true, summary: 'applied' };
    return { ok: status.status.rolledOut, summary: formatRolloutStatus(status.status) };
  }

  async runCheck(check: Check, context: CheckContext): Promise<CheckOutcome> {
    const { dc } = context;
    const probes = this.deps.settings.probes;
    switch (check.check) {
      case 'tls-probe': {
        const hosts = this.deps.inventory.hosts.filter((host) => host.dc === dc && host.group === check.group);
        const results = await Promise.all(
          hosts.map((host) => this.deps.prober.probeTls({ host: host.fqdn, port: check.port, servername: probes.expected_names[0], expectedNames: probes.expected_names, timeoutMs: probes.timeout_ms, ...this.trust() })),
        );
        const failed = results.filter((result) => !result.ok);
        return {
          ok: failed.length === 0,
          summary: `TLS on ${check.port}: ${results.length - failed.length}/${results.length} ${check.group} hosts ok${failed.length > 0 ? `; ${failed.slice(0, 3).map((result) => `${result.target}: ${result.error?.message ?? 'failed'}`).join('; ')}` : ''}`,
        };
      }
      case 'vip-probe': {
        const result = await probeVipPath(this.deps.prober, { ...vipProbeRequest(this.deps.settings, this.deps.inventory, dc, check.lvs_service), realServers: [] });
        return { ok: result.ok, summary: result.summary };
      }
      case 'pybal-pool': {
        const port = this.deps.inventory.lvsService(check.lvs_service).port;
        const views = await this.deps.pybal.readPool({ dc, lvsService: check.lvs_service, port });
        const members = context.pooled.get(check.group) ?? [];
        const problems = views.flatMap((view) => {
          if (!view.ok) return [`${view.lvsHost}: ${view.error}`];
          const missing = members.filter((fqdn) => view.servers[fqdn]?.enabled !== true || view.servers[fqdn]?.up !== true);
          return missing.length === 0 ? [] : [`${view.lvsHost}: ${missing.join(', ')} not enabled/up`];
        });
        return { ok: problems.length === 0 && members.length > 0, summary: problems.length === 0 ? `pybal ${check.lvs_service}: ${members.length} ${check.group} hosts enabled/up on ${views.length} LVS` : `pybal: ${problems.join('; ')}` };
      }
      case 'traffic-moved':
        return checkTrafficMoved(this.deps, dc, check, context);
      case 'release-ready': {
        const status = await this.deps.helm.rolloutStatus({ env: dc });
        if (status.dryRun) return { ok: true, summary: 'dry-run' };
        const worker = this.deps.inventory.hosts.find((host) => host.dc === dc && host.kind === 'k8s-worker');
        if (worker === undefined) return { ok: false, summary: `no worker in ${dc} to probe the NodePort on` };
        const nodePort = await this.deps.prober.probeHttp({ url: probes.public_url, connectTo: { host: worker.fqdn, port: this.deps.helm.nodePorts().tls }, expectedNames: probes.expected_names, timeoutMs: probes.timeout_ms, ...this.trust() });
        const ok = status.status.rolledOut && nodePort.ok;
        return { ok, summary: `${formatRolloutStatus(status.status)} · NodePort ${this.deps.helm.nodePorts().tls} on ${worker.shortName}: ${nodePort.ok ? `${nodePort.status ?? 200}` : (nodePort.error?.message ?? 'failed')}` };
      }
      case 'real-traffic': {
        const workers = context.pooled.get(check.group) ?? [];
        if (workers.length === 0) return { ok: false, summary: `no ${check.group} worker is pooled in ${check.lvs_service}` };
        // vip_attempts per worker too: each worker on its own address is a target like the VIP.
        const read = async (): Promise<CheckOutcome> =>
          realTrafficOutcome(await this.probeWorkers({ dc, lvsService: check.lvs_service, workers, attempts: attemptsWithinLimit(workers.length, probes.vip_attempts) }), { minRequestRate: context.minRequestRate });
        const scaled = context.planMs ?? ((seconds: number) => seconds * 1000);
        return settle(read, { withinMs: settleWindow(check.settle_seconds, scaled), everyMs: Math.max(scaled(15), 1000), mayChange: (outcome) => outcome.inconclusive === true });
      }
      default:
        return check satisfies never;
    }
  }

  async health({ dc, lvsService }: { dc: string; lvsService: string }): Promise<HealthSnapshot> {
    return readHealth({ reader: this.deps.health, inventory: this.deps.inventory, window: this.deps.settings.window, probes: { settings: this.deps.settings, prober: this.deps.prober }, recent: this.baselines }, { dc, lvsService });
  }

  async pybal(pool: { dc: string; lvsService: string; port: number }): Promise<PybalHostView[]> {
    return this.deps.pybal.readPool(pool);
  }

  async confirmApplied(pool: { dc: string; lvsService: string; port: number }, fqdn: string, expected: ExpectedPybalState): Promise<PybalConfirmation[]> {
    return this.deps.pybal.confirmApplied(pool, fqdn, expected);
  }

  private lvsOrder(dc: string): string[] {
    // pybal_restart.order lists the secondary first; the cookbook's own guidance (wikimedia-ops §6).
    const order = this.deps.settings.pybal_restart.order[dc];
    if (order === undefined) throw new CutoverError('config.invalid', `backends.production.pybal_restart.order has no LVS hosts for ${dc}`);
    return order;
  }

  private restartArgv(host: string, reason: string): [string, ...string[]] {
    const [first, ...rest] = this.deps.settings.pybal_restart.argv.map((word) => word.replaceAll('{host}', host).replaceAll('{reason}', reason));
    if (first === undefined) throw new CutoverError('config.invalid', 'backends.production.pybal_restart.argv is empty');
    return [first, ...rest];
  }

  private trust(): { ca?: string } {
    return this.deps.settings.probes.ca === undefined ? {} : { ca: this.deps.settings.probes.ca };
  }
}
