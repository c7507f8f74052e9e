import { CutoverError } from '../core/errors.js';
import type { PlanControl } from '../core/ports/plan-control.js';
import { serviceOf } from './service-of.js';
import type { CommandContext } from './spec.js';

/** The migration plan of the service a command names; services without one say so. */
export function planOf(context: CommandContext): PlanControl {
  const { name } = serviceOf(context);
  const plan = context.deps.plans?.get(name);
  if (plan === undefined) throw new CutoverError('input.invalid', `${name} has no migration plan configured.`);
  return plan;
}
