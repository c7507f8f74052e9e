import { arg } from '../arg.js';
import { overrideFreezeFlag, reasonArg, taskArg } from '../args.js';
import { planOf } from '../plan-of.js';
import { planOverview } from '../plan-overview.js';
import type { PlanResumed } from '../../core/ports/plan-control.js';
import { requestAnswer } from '../request-answer.js';
import { defineCommand, type CommandSpec } from '../spec.js';

/** Free text for the channel and the audit log, after the verb. */
const reason = arg.rest(reasonArg.optional());

/**
 * `next` and `rollout` differ only in whether the following waves are requested by themselves.
 * `--dry-run` shows the request `next` would file, as it would read, and files nothing.
 */
function stepCommand(name: string, summary: string, rollout: boolean): CommandSpec {
  return defineCommand({
    name,
    summary,
    args: {
      task: arg.flag(taskArg.optional(), 'T123456'),
      dryRun: arg.switch(),
      overrideFreeze: overrideFreezeFlag,
      reason: arg.rest(reasonArg.optional(), { alsoFlag: true }),
    },
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (args, context) =>
      requestAnswer(
        await planOf(context).requestNext(context.caller, {
          rollout,
          reason: args.reason ?? '',
          ...(args.task === undefined ? {} : { task: args.task }),
          ...(args.overrideFreeze === undefined ? {} : { freezeOverride: args.overrideFreeze }),
          dryRun: args.dryRun === true,
        }),
      ),
  });
}

/** The plan's verbs. Each mutating one goes through the same approval gate as pool and depool. */
export const planCommands: readonly CommandSpec[] = [
  defineCommand({
    name: 'plan',
    summary: 'the migration plan: steps per DC, where it stands, and what is blocking it',
    args: {},
    access: 'read',
    scope: 'service',
    mutates: false,
    run: async (_args, context) => planOverview(await planOf(context).progress()),
  }),
  stepCommand('next', 'request the next step (its exact actions are shown for approval)', false),
  stepCommand('rollout', 'start or continue the waves: each wave is requested again after the last one soaked clean', true),
  defineCommand({
    name: 'pause',
    summary: 'hold the plan where it is (soaks stop analysing)',
    args: { reason },
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (args, context) => {
      const plan = planOf(context);
      const held = await plan.pause(context.caller, args.reason ?? 'no reason given');
      return `⏸ ${held.plan} paused at ${held.position} by ${held.by}. !${plan.service} resume to continue.`;
    },
  }),
  defineCommand({
    name: 'resume',
    summary: 'continue a paused plan',
    args: {},
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (_args, context) => resumedWords(await planOf(context).resume(context.caller)),
  }),
  defineCommand({
    name: 'abort',
    summary: 'stop the plan here without undoing anything',
    args: { reason },
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (args, context) => {
      const plan = planOf(context);
      const why = args.reason ?? 'no reason given';
      const held = await plan.abort(context.caller, why);
      return `⏹ ${held.plan} aborted at ${held.position} by ${held.by}; nothing was reverted (!${plan.service} rollback undoes the last step). ${why}`;
    },
  }),
  defineCommand({
    name: 'rollback',
    summary: "undo the last step's pool changes, newest first, verified (needs approval)",
    args: { dryRun: arg.switch(), overrideFreeze: overrideFreezeFlag, reason },
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (args, context) =>
      requestAnswer(
        await planOf(context).requestRollback(context.caller, args.reason ?? 'rollback', { dryRun: args.dryRun === true, ...(args.overrideFreeze === undefined ? {} : { freezeOverride: args.overrideFreeze }) }),
      ),
  }),
  defineCommand({
    name: 'emergency-stop',
    summary: 'repool all bare metal, then depool all workers; no approval needed',
    args: { dryRun: arg.switch(), reason },
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (args, context) => requestAnswer(await planOf(context).emergencyStop(context.caller, args.reason ?? 'emergency stop', { dryRun: args.dryRun === true })),
  }),
];

function resumedWords(resumed: PlanResumed): string {
  return resumed.kind === 'resumed'
    ? `▶ ${resumed.plan} resumed by ${resumed.by}: ${resumed.phase} at ${resumed.position}.`
    : `▶ ${resumed.plan} resumed by ${resumed.by}: ${resumed.dc} ${resumed.stepId} checked again: ${resumed.result}`;
}
