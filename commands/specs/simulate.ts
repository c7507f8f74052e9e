import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import { arg } from '../arg.js';
import { serviceOf } from '../service-of.js';
import { defineCommand } from '../spec.js';

const WHATS = ['show', 'clear', 'broken', 'wrong-cert', 'slow', 'no-metrics', 'hang', 'outside-repool'] as const;

/** Fault injection for rehearsals; only where the service runs on the simulated fleet. */
export const simulateCommand = defineCommand({
  name: 'simulate',
  summary: 'inject faults into the simulated fleet: show | clear | broken HOST… | wrong-cert HOST… | slow SHARE P99 | no-metrics on|off | hang ADAPTER | outside-repool HOST',
  args: {
    what: arg.word(
      z.enum(WHATS, { error: `one of ${WHATS.join(', ')}` }),
      'show|clear|broken HOST…|wrong-cert HOST…|slow SHARE P99_SECONDS|no-metrics on|off|hang ADAPTER|outside-repool HOST',
    ),
    // What these words are depends on `what`; its label above says it for each.
    rest: arg.rest(z.string().max(300).optional(), { inUsage: false }),
    service: arg.flag(z.string().max(63).optional(), 'LVS'),
  },
  access: 'request',
  scope: 'service',
  mutates: true,
  async run(args, context) {
    const { name, inventory } = serviceOf(context);
    const simulation = context.deps.simulations?.get(name);
    if (simulation === undefined) throw new CutoverError('input.invalid', `${name} does not run on the simulated fleet; there is nothing to simulate.`);
    const words = (args.rest ?? '').split(' ').filter((word) => word !== '');
    switch (args.what) {
      case 'show':
        return simulation.show();
      case 'clear':
        return simulation.clear();
      case 'broken':
        if (words.length === 0) throw new CutoverError('input.invalid', 'Which hosts? simulate broken wikikube1001 …');
        return simulation.breakHosts(words.map((word) => inventory.resolveHost(word).fqdn));
      case 'wrong-cert':
        if (words.length === 0) throw new CutoverError('input.invalid', 'Which hosts? simulate wrong-cert wikikube1001 …');
        return simulation.wrongCert(words.map((word) => inventory.resolveHost(word).fqdn));
      case 'slow': {
        const [share, p99] = words.map(Number);
        if (share === undefined || p99 === undefined || !(share >= 0 && share <= 1) || !(p99 > 0 && p99 < 60)) {
          throw new CutoverError('input.invalid', 'simulate slow SHARE P99_SECONDS, e.g. simulate slow 0.1 3');
        }
        return simulation.slowUnderLoad(share, p99);
      }
      case 'no-metrics':
        return simulation.noMetrics(words[0] !== 'off');
      case 'hang':
        return simulation.hang(words[0] ?? '');
      case 'outside-repool': {
        const host = inventory.resolveHost(words[0] ?? '');
        return simulation.outsideRepool(host.fqdn, args.service ?? inventory.choosePool(host, undefined).lvsService);
      }
      default:
        return args.what satisfies never;
    }
  },
});
