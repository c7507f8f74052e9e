import { arg } from '../arg.js';
import { hostArg, lvsServiceArg, overrideFreezeFlag, reasonArg, taskArg, weightArg } from '../args.js';
import { requestPoolChange } from '../request-pool-change.js';
import { defineCommand } from '../spec.js';

export const poolCommand = defineCommand({
  name: 'pool',
  summary: 'put a host into an LVS pool (pooled=yes), after approval',
  args: {
    host: arg.word(hostArg),
    service: arg.flag(lvsServiceArg.optional(), 'LVS'),
    weight: arg.flag(weightArg.optional(), 'N'),
    task: arg.flag(taskArg.optional(), 'T123456'),
    reason: arg.rest(reasonArg.optional(), { alsoFlag: true }),
    dryRun: arg.switch(),
    overrideFreeze: overrideFreezeFlag,
  },
  access: 'request',
  scope: 'service',
  mutates: true,
  run: (args, context) => requestPoolChange('pool', args, context),
});
