import * as z from 'zod';
import { hostArg, lvsServiceArg, reasonArg, taskArg } from '../args.js';
import { requestPoolChange } from '../request-pool-change.js';
import { defineCommand } from '../spec.js';

export const depoolCommand = defineCommand({
  name: 'depool',
  summary: 'take a host out of an LVS pool (pooled=no), after approval and a capacity check',
  usage: 'depool HOST [--service LVS] [--task T123456] [--dry-run] [reason…]',
  positionals: [{ name: 'host' }, { name: 'reason', rest: true }],
  flags: { service: 'string', task: 'string', reason: 'string', 'dry-run': 'boolean' },
  access: 'request',
  scope: 'service',
  mutates: true,
  args: z.strictObject({
    host: hostArg,
    service: lvsServiceArg.optional(),
    task: taskArg.optional(),
    reason: reasonArg.optional(),
    dryRun: z.boolean().optional(),
  }),
  run: (args, context) => requestPoolChange('depool', args, context),
});
