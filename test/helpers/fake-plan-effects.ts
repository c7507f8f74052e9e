import type { CheckContext, CheckOutcome, HealthSnapshot, HelmDiffOutcome, PlanEffects } from '../../core/ports/plan-effects.js';
import type { Check } from '../../core/plan/plan-schema.js';
import type { Reading } from '../../core/plan/analysis.js';

const value = (number: number): Reading => ({ kind: 'value', value: number });

/** k8s as healthy as bare metal, at 120 req/s and 15% of the traffic: a soak passes on it. */
export function healthyK8s(): HealthSnapshot {
  return {
    k8s: { errorRatio: value(0.001), p99Seconds: value(0.3), requestRate: value(120) },
    baseline: { kind: 'probe-sample', requests: 30, failed: 0, p99Seconds: 0.3, hosts: 6 },
    k8sShare: value(0.15),
    cdn: { errorRatio: value(0.001), p99Seconds: value(0.3), requestRate: value(800) },
  };
}

/** Every k8s request a 503: the 2025-02-17 numbers. */
export function failingK8s(): HealthSnapshot {
  return { ...healthyK8s(), k8s: { errorRatio: value(1), p99Seconds: value(0.2), requestRate: value(114) } };
}

export type EffectCall = { method: string; args: unknown };

/**
 * The plan's world as a test scripts it: commands succeed and checks pass unless a test says
 * otherwise, health is whatever `health` holds, and every call is recorded.
 */
export class ScriptedEffects implements PlanEffects {
  readonly kind = 'scripted';
  readonly calls: EffectCall[] = [];
  /** What health() answers. */
  snapshot: HealthSnapshot = healthyK8s();
  /** Set: health() throws this, as a metrics backend that does not answer. */
  healthError: Error | undefined;
  /** Outcomes by check kind; a check not listed passes. */
  readonly checks = new Map<Check['check'], CheckOutcome>();
  /** What helmDiff() answers while it does not fail: change it to change the chart between filing and execution. */
  diff = { summary: '1 release changed', text: 'kartotherian, kartotherian-main, Deployment (apps) has changed:\n-   replicas: 2\n+   replicas: 4\n' };
  /** Commands (runPuppet, applyLvsService, helmDiff, helmApply) that answer not ok, with what they say. */
  readonly failing = new Map<string, string>();

  describePuppet(args: { selector: string; batchSize: number; applies: string }): string[] {
    return [`cumin -b ${args.batchSize} '${args.selector}' 'run-puppet-agent' (${args.applies})`];
  }

  async runPuppet(args: { dc: string; selector: string; batchSize: number; applies: string; reason: string }): Promise<CheckOutcome> {
    return this.command('runPuppet', args, `puppet ran on ${args.selector}`);
  }

  describeLvsService(args: { dc: string; lvsService: string; applies: string }): string[] {
    return [`puppet on lvs (${args.applies}), then pybal restart, secondary first`];
  }

  async applyLvsService(args: { dc: string; lvsService: string; applies: string; reason: string }): Promise<CheckOutcome> {
    return this.command('applyLvsService', args, `${args.lvsService} applied`);
  }

  describeHelm(args: { env: string }): string[] {
    return [`helmfile -e ${args.env} apply`];
  }

  async helmDiff(args: { env: string }): Promise<HelmDiffOutcome> {
    const outcome = this.command('helmDiff', args, this.diff.summary);
    return { ...outcome, changed: outcome.ok && this.diff.text !== '', text: outcome.ok ? this.diff.text : '' };
  }

  async helmApply(args: { env: string; reason: string }): Promise<CheckOutcome> {
    return this.command('helmApply', args, 'pods 4/4 ready');
  }

  async runCheck(check: Check, context: CheckContext): Promise<CheckOutcome> {
    this.calls.push({ method: 'runCheck', args: { check, context } });
    return this.checks.get(check.check) ?? { ok: true, summary: `${check.check} ok` };
  }

  async health(args: { dc: string; lvsService: string }): Promise<HealthSnapshot> {
    this.calls.push({ method: 'health', args });
    if (this.healthError !== undefined) throw this.healthError;
    return structuredClone(this.snapshot);
  }

  called(method: string): unknown[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.args);
  }

  private command(method: string, args: unknown, summary: string): CheckOutcome {
    this.calls.push({ method, args });
    const failure = this.failing.get(method);
    return failure === undefined ? { ok: true, summary } : { ok: false, summary: failure };
  }
}
