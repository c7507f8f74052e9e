import { arg } from '../arg.js';
import { hostArg, lvsServiceArg, overrideFreezeFlag, reasonArg, taskArg } from '../args.js';
import { requestPoolChange } from '../request-pool-change.js';
import { defineCommand } from '../spec.js';

export const depoolCommand = defineCommand({
  name: 'depool',
  summary: 'take a host out of an LVS pool (pooled=no), after approval and a capacity check',
  args: {
    host: arg.word(hostArg),
    service: arg.flag(lvsServiceArg.optional(), 'LVS'),
    task: arg.flag(taskArg.optional(), 'T123456'),
    reason: arg.rest(reasonArg.optional(), { alsoFlag: true }),
    dryRun: arg.switch(),
    overrideFreeze: overrideFreezeFlag,
  },
  access: 'request',
  scope: 'service',
  mutates: true,
  run: (args, context) => requestPoolChange('depool', args, context),
});
