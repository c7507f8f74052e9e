import type { PlanEffects } from '../core/ports/plan-effects.js';
import type { FenceScope } from '../jobs/fence-scope.js';

/** The effects that change production; the rest only read, and a stale reader harms nobody. */
const CHANGES: ReadonlySet<string> = new Set(['runPuppet', 'applyLvsService', 'helmApply'] satisfies (keyof PlanEffects)[]);

/**
 * The plan's effects, each change made only while the work asking still holds its fence: a worker
 * that stalled mid-step and woke after another took the step over runs no puppet, no pybal restart,
 * no helm apply. A proxy at the composition root, like metering, so no adapter needs to know.
 */
export function fencedEffects(effects: PlanEffects, fences: Pick<FenceScope, 'check'>): PlanEffects {
  return new Proxy(effects, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function' || typeof property !== 'string' || !CHANGES.has(property)) return value;
      const change = value as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]): Promise<unknown> => {
        await fences.check();
        return change.apply(target, args);
      };
    },
  });
}
