import { locate, movePhase, type Located, type PlanRun } from '../../core/plan/run-state.js';
import type { PlanContext } from './plan-context.js';

export interface SoakScheduleDeps {
  context: PlanContext;
  /** Schedules the next soak analysis; `key` makes a repeated schedule for the same tick a no-op. */
  scheduleTick: (plan: string, delayMs: number, key: string) => Promise<void>;
}

/**
 * When the next soak analysis runs, and which tick may run it. Each schedule names its tick by
 * where the soak stands (position, checks, start, resumes) and keeps that name on the run: a tick
 * left over from before a pause or a restart carries another name and does nothing.
 */
export class SoakSchedule {
  constructor(private readonly deps: SoakScheduleDeps) {}

  /** The step's changes are verified: the plan soaks under analysis, the first tick one interval away. */
  async start(here: Located): Promise<{ run: PlanRun; soakMs: number }> {
    const { context } = this.deps;
    const soakMs = context.scaled(here.step.soak_seconds);
    const run = await context.update((current) => movePhase(current, 'soaking', context.now(), { soak: { startedAt: context.now(), until: context.now() + soakMs, checks: 0, failures: 0 } }));
    await this.next(run);
    return { run, soakMs };
  }

  async next(run: PlanRun): Promise<void> {
    const { context } = this.deps;
    const interval = context.intervalMs(locate(context.plan, run.position)?.step);
    const { soak, position } = run;
    const key = `${position.dc}-${position.step}-${position.wave}-${soak?.checks ?? 0}-${soak?.startedAt ?? 0}-${soak?.resumes ?? 0}`;
    await context.update((current) => (current.soak === undefined ? current : { ...current, soak: { ...current.soak, tickKey: key } }));
    await this.deps.scheduleTick(context.plan.name, interval, key);
  }

  /** A tick without a key (a manual one) is never stale. */
  isStale(run: PlanRun, key: string | undefined): boolean {
    return key !== undefined && run.soak?.tickKey !== undefined && run.soak.tickKey !== key;
  }
}
