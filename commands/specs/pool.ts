import * as z from 'zod';
import { hostArg, lvsServiceArg, reasonArg, taskArg, weightArg } from '../args.js';
import { requestPoolChange } from '../request-pool-change.js';
import { defineCommand } from '../spec.js';

export const poolCommand = defineCommand({
  name: 'pool',
  summary: 'put a host into an LVS pool (pooled=yes), after approval',
  usage: 'pool HOST [--service LVS] [--weight N] [--task T123456] [--dry-run] [reason…]',
  positionals: [{ name: 'host' }, { name: 'reason', rest: true }],
  flags: { service: 'string', weight: 'string', task: 'string', reason: 'string', 'dry-run': 'boolean' },
  access: 'request',
  scope: 'service',
  mutates: true,
  args: z.strictObject({
    host: hostArg,
    service: lvsServiceArg.optional(),
    weight: weightArg.optional(),
    task: taskArg.optional(),
    reason: reasonArg.optional(),
    dryRun: z.boolean().optional(),
  }),
  run: (args, context) => requestPoolChange('pool', args, context),
});
