import type { PlanProgress, StepMark } from '../../core/ports/plan-control.js';
import type { RequestStore } from '../../core/ports/stores.js';
import { conftoolPath } from '../../core/actions.js';
import { formatDuration } from '../../core/durations.js';
import type { Check } from '../../core/plan/plan-schema.js';
import { describePosition, locate, type Located, type PlanRun } from '../../core/plan/run-state.js';
import type { PoolState } from '../../core/pool-state.js';
import type { PlanContext } from './plan-context.js';
import { stepOperations, type StepOperations } from './step-operations.js';

export interface PlanViewsDeps {
  context: PlanContext;
  requests: Pick<RequestStore, 'get'>;
}

/** What people see of the plan: where it stands, what follows a step's approval, and what it waits for. Nothing here writes. */
export class PlanViews {
  constructor(private readonly deps: PlanViewsDeps) {}

  async progress(): Promise<PlanProgress> {
    const { context } = this.deps;
    const { plan } = context;
    const run = await context.run();
    const analysis = context.analysisFor(undefined);
    return {
      plan: plan.name,
      ...(plan.task === undefined ? {} : { task: plan.task }),
      phase: run.phase,
      position: describePosition(plan, run.position),
      datacenters: plan.datacenters.map((dc, dcIndex) => ({
        dc,
        steps: plan.steps.map((step, stepIndex) => ({ id: step.id, title: step.title, mark: this.mark(run, dcIndex, stepIndex) })),
      })),
      blocking: `${await this.blocking(run)}${await this.outsideNote(run)}`,
      limits: { errorRatioMax: analysis.error_ratio.max, p99SecondsMax: analysis.p99_seconds.max },
    };
  }

  /**
   * What follows once a step is approved, beyond its actions: the capacity arithmetic, the
   * checks and the soak. A dry run of `next` shows these under the request it would file.
   */
  afterApproval(here: Located, ops: Extract<StepOperations, { kind: 'ready' }>): string[] {
    const { context } = this.deps;
    const checks = here.step.verify.map((check) => `then check ${describeCheck(check)}`);
    const soak = here.step.soak_seconds > 0 ? [`then soak ${formatDuration(context.scaled(here.step.soak_seconds))} with analysis every ${formatDuration(context.intervalMs(here.step))}`] : [];
    return [...(ops.arithmetic === undefined ? [] : [ops.arithmetic]), ...checks, ...soak];
  }

  /** What the plan waits for, in one sentence. */
  async blocking(run: PlanRun): Promise<string> {
    const { context } = this.deps;
    const { service } = context;
    switch (run.phase) {
      case 'ready': {
        const here = locate(context.plan, run.position);
        if (here === undefined) return 'nothing: the plan is complete';
        const alerts = await context.alertBlocker();
        if (alerts !== undefined) return `${here.step.id} is blocked: ${alerts.reason}`;
        const ops = await stepOperations(here, context.stepContext(here));
        if (ops.kind === 'blocked') return `${here.step.id} is blocked: ${ops.reason}`;
        return `waiting for someone to say !${service} next (${here.step.title})`;
      }
      case 'awaiting-approval': {
        const request = run.requestId === undefined ? undefined : await this.deps.requests.get(run.requestId);
        if (request === undefined) return 'waiting for approval';
        if (request.state === 'denied' || request.state === 'expired') return `${request.id} was ${request.state}; !${service} next asks again`;
        return `waiting for approval of ${request.id} (${request.approvals.length}/${request.approvalsRequired})`;
      }
      case 'acting':
        return 'a step is being carried out';
      case 'soaking':
        return run.soak === undefined ? 'soaking' : `soak ends in ${formatDuration(run.soak.until - context.now())}, ${run.soak.checks} checks so far${run.soak.lastSummary === undefined ? '' : `, last: ${run.soak.lastSummary}`}`;
      case 'paused':
        return run.pause?.reason ?? 'paused';
      case 'rolling-back':
        return 'a rollback is in progress';
      case 'done':
        return 'nothing: the plan is complete';
      case 'aborted':
        return `aborted; !${service} next to continue from here, or rollback`;
      case 'stopped':
        return `emergency-stopped; bare metal is serving. Reset with !${service} resume after review`;
      default:
        return run.phase satisfies never;
    }
  }

  /**
   * Pool changes in this DC's migration pools that the plan did not make (a hand pool/depool, or
   * confctl): the plan's picture of the pool is not the pool, and whoever reads `plan` must know.
   */
  private async outsideNote(run: PlanRun): Promise<string> {
    const { context } = this.deps;
    const { inventory } = context;
    const here = locate(context.plan, run.position) ?? locate(context.plan, { dc: 0, step: 0, wave: 0 });
    if (here === undefined || run.phase === 'done') return '';
    const ours = new Map<string, PoolState | undefined>();
    for (const entry of run.journal) if (entry.kind === 'set-pooled' && (entry.status === 'done' || entry.status === 'reverted')) ours.set(entry.target, entry.status === 'done' ? entry.to : entry.from);
    const pooledWorkers: string[] = [];
    const leftBareMetal: string[] = [];
    for (const lvsService of inventory.workerLvsServices) {
      const pool = inventory.pool(lvsService, here.dc);
      const states = new Map((await context.pooling.listPool(pool)).map((entry) => [entry.path, entry.state]));
      for (const host of inventory.members(lvsService, here.dc)) {
        const path = conftoolPath(pool, host.fqdn);
        const live = states.get(path);
        if (live === undefined || (ours.has(path) && ours.get(path)?.pooled === live.pooled)) continue;
        if (host.kind === 'k8s-worker' && live.pooled === 'yes') pooledWorkers.push(host.shortName);
        if (host.kind === 'bare-metal' && live.pooled !== 'yes') leftBareMetal.push(`${host.shortName} (${live.pooled})`);
      }
    }
    const parts = [...(pooledWorkers.length > 0 ? [`${pooledWorkers.join(', ')} pooled`] : []), ...(leftBareMetal.length > 0 ? [`${leftBareMetal.join(', ')} out`] : [])];
    return parts.length === 0 ? '' : ` · outside the plan in ${here.dc}: ${parts.join('; ')}`;
  }

  private mark(run: PlanRun, dcIndex: number, stepIndex: number): StepMark {
    const { plan } = this.deps.context;
    const dc = plan.datacenters[dcIndex];
    const step = plan.steps[stepIndex];
    if (run.position.dc === dcIndex && run.position.step === stepIndex && run.phase !== 'done') return run.phase === 'paused' ? 'paused' : 'current';
    const waves = step?.kind === 'waves' ? step.waves.length : 1;
    const finished = run.completed.filter((entry) => entry.dc === dc && entry.stepId === step?.id).length;
    return finished >= waves ? 'done' : finished > 0 ? 'partial' : 'todo';
  }
}

function describeCheck(check: Check): string {
  switch (check.check) {
    case 'tls-probe':
      return `TLS on ${check.port} on every ${check.group} host`;
    case 'vip-probe':
      return `a real request to the VIP on ${check.lvs_service}`;
    case 'pybal-pool':
      return `pybal lists ${check.group} enabled/up in ${check.lvs_service}`;
    case 'traffic-moved':
      return `traffic moved from ${check.from} to ${check.to}`;
    case 'release-ready':
      return 'pods ready and NodePort answering';
    case 'real-traffic':
      return `${check.group} served real requests via the ${check.lvs_service} VIP`;
    default:
      return check satisfies never;
  }
}
