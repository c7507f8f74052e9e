import type { PlanHeld } from '../../core/ports/plan-control.js';
import type { Caller } from '../../core/access.js';
import { movePhase } from '../../core/plan/run-state.js';
import type { PlanContext } from './plan-context.js';
import type { PlanNarration } from './plan-narration.js';

export interface PlanPausesDeps {
  context: PlanContext;
  narration: Pick<PlanNarration, 'say' | 'audit'>;
}

/**
 * The plan stopping where it stands, by a person (pause, abort) or by itself (an error, a check
 * nobody can judge, drift). Resuming lives with the soak (soak-analysis.ts): a resumed soak is
 * analysed again under a new tick.
 */
export class PlanPauses {
  constructor(private readonly deps: PlanPausesDeps) {}

  async pause(caller: Caller, reason: string): Promise<PlanHeld> {
    const { context } = this.deps;
    const run = await context.update((current) => movePhase(current, 'paused', context.now(), { pause: { reason: `paused by ${caller.display}: ${reason}`, at: context.now(), resume: current.phase === 'paused' ? (current.pause?.resume ?? 'ready') : current.phase } }));
    await this.deps.narration.audit(caller, 'plan.paused', reason);
    return context.heldBy(run, caller.display);
  }

  /** The plan pauses itself and says why. `recheck`: resume runs the step's checks again before the plan may go on. */
  async pauseWith(reason: string, recheck = false): Promise<void> {
    const { context } = this.deps;
    await context.update((current) => movePhase(current, 'paused', context.now(), { pause: { reason, at: context.now(), resume: current.phase === 'soaking' ? 'soaking' : 'ready', ...(recheck ? { recheck: true } : {}) } }));
    await this.deps.narration.say(`⏸ ${context.plan.name} paused: ${reason}`, 'error');
  }

  async abort(caller: Caller, reason: string): Promise<PlanHeld> {
    const { context } = this.deps;
    const run = await context.update((current) => {
      const { pause: _pause, soak: _soak, requestId: _request, ...rest } = current;
      return movePhase(rest, 'aborted', context.now());
    });
    await this.deps.narration.audit(caller, 'plan.aborted', reason);
    return context.heldBy(run, caller.display);
  }
}
