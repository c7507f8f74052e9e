import { arg } from '../arg.js';
import { reasonArg, taskArg } from '../args.js';
import { planOf } from '../plan-of.js';
import { defineCommand, type CommandSpec } from '../spec.js';

/** Free text for the channel and the audit log, after the verb. */
const reason = arg.rest(reasonArg.optional());

/** `next` and `rollout` differ only in whether the following waves are requested by themselves. */
function stepCommand(name: string, summary: string, rollout: boolean): CommandSpec {
  return defineCommand({
    name,
    summary,
    args: {
      task: arg.flag(taskArg.optional(), 'T123456'),
      dryRun: arg.switch(),
      reason: arg.rest(reasonArg.optional(), { alsoFlag: true }),
    },
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (args, context) =>
      args.dryRun === true
        ? planOf(context).preview('advance')
        : planOf(context).requestNext(context.caller, { rollout, reason: args.reason ?? '', ...(args.task === undefined ? {} : { task: args.task }) }),
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
    run: async (_args, context) => planOf(context).overview(),
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
    run: async (args, context) => planOf(context).pause(context.caller, args.reason ?? 'no reason given'),
  }),
  defineCommand({
    name: 'resume',
    summary: 'continue a paused plan',
    args: {},
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (_args, context) => planOf(context).resume(context.caller),
  }),
  defineCommand({
    name: 'abort',
    summary: 'stop the plan here without undoing anything',
    args: { reason },
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (args, context) => planOf(context).abort(context.caller, args.reason ?? 'no reason given'),
  }),
  defineCommand({
    name: 'rollback',
    summary: "undo the last step's pool changes, newest first, verified (needs approval)",
    args: { dryRun: arg.switch(), reason },
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (args, context) => (args.dryRun === true ? planOf(context).preview('rollback') : planOf(context).requestRollback(context.caller, args.reason ?? 'rollback')),
  }),
  defineCommand({
    name: 'emergency-stop',
    summary: 'repool all bare metal, then depool all workers; no approval needed',
    args: { dryRun: arg.switch(), reason },
    access: 'request',
    scope: 'service',
    mutates: true,
    run: async (args, context) =>
      args.dryRun === true ? planOf(context).preview('emergency-stop') : planOf(context).emergencyStop(context.caller, args.reason ?? 'emergency stop'),
  }),
];
