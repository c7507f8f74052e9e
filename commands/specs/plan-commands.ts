import * as z from 'zod';
import { reasonArg, taskArg } from '../args.js';
import { planOf } from '../plan-of.js';
import { defineCommand, type CommandSpec } from '../spec.js';

const reasonOnly = z.strictObject({ reason: reasonArg.optional() });
const stepArgs = z.strictObject({ reason: reasonArg.optional(), task: taskArg.optional(), dryRun: z.boolean().optional() });

/** `next` and `rollout` differ only in whether the following waves are requested by themselves. */
function stepCommand(name: string, summary: string, rollout: boolean): CommandSpec {
  return defineCommand({
    name,
    summary,
    usage: `${name} [--task T123456] [--dry-run] [reason…]`,
    positionals: [{ name: 'reason', rest: true }],
    flags: { task: 'string', 'dry-run': 'boolean', reason: 'string' },
    access: 'request',
    scope: 'service',
    mutates: true,
    args: stepArgs,
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
    usage: 'plan',
    positionals: [],
    flags: {},
    access: 'read',
    scope: 'service',
    mutates: false,
    args: z.strictObject({}),
    run: async (_args, context) => planOf(context).overview(),
  }),
  stepCommand('next', 'request the next step (its exact actions are shown for approval)', false),
  stepCommand('rollout', 'start or continue the waves: each wave is requested again after the last one soaked clean', true),
  defineCommand({
    name: 'pause',
    summary: 'hold the plan where it is (soaks stop analysing)',
    usage: 'pause [reason…]',
    positionals: [{ name: 'reason', rest: true }],
    flags: {},
    access: 'request',
    scope: 'service',
    mutates: true,
    args: reasonOnly,
    run: async (args, context) => planOf(context).pause(context.caller, args.reason ?? 'no reason given'),
  }),
  defineCommand({
    name: 'resume',
    summary: 'continue a paused plan',
    usage: 'resume',
    positionals: [],
    flags: {},
    access: 'request',
    scope: 'service',
    mutates: true,
    args: z.strictObject({}),
    run: async (_args, context) => planOf(context).resume(context.caller),
  }),
  defineCommand({
    name: 'abort',
    summary: 'stop the plan here without undoing anything',
    usage: 'abort [reason…]',
    positionals: [{ name: 'reason', rest: true }],
    flags: {},
    access: 'request',
    scope: 'service',
    mutates: true,
    args: reasonOnly,
    run: async (args, context) => planOf(context).abort(context.caller, args.reason ?? 'no reason given'),
  }),
  defineCommand({
    name: 'rollback',
    summary: "undo the last step's pool changes, newest first, verified (needs approval)",
    usage: 'rollback [--dry-run] [reason…]',
    positionals: [{ name: 'reason', rest: true }],
    flags: { 'dry-run': 'boolean' },
    access: 'request',
    scope: 'service',
    mutates: true,
    args: z.strictObject({ reason: reasonArg.optional(), dryRun: z.boolean().optional() }),
    run: async (args, context) => (args.dryRun === true ? planOf(context).preview('rollback') : planOf(context).requestRollback(context.caller, args.reason ?? 'rollback')),
  }),
  defineCommand({
    name: 'emergency-stop',
    summary: 'repool all bare metal, then depool all workers; no approval needed',
    usage: 'emergency-stop [--dry-run] [reason…]',
    positionals: [{ name: 'reason', rest: true }],
    flags: { 'dry-run': 'boolean' },
    access: 'request',
    scope: 'service',
    mutates: true,
    args: z.strictObject({ reason: reasonArg.optional(), dryRun: z.boolean().optional() }),
    run: async (args, context) =>
      args.dryRun === true ? planOf(context).preview('emergency-stop') : planOf(context).emergencyStop(context.caller, args.reason ?? 'emergency stop'),
  }),
];
