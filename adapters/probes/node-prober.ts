import { probeHttp } from './http-probe.js';
import type { Prober } from './prober.js';
import { monotonicClock, probeTls, type ProbeClock } from './tls-probe.js';

/** The production Prober: node:net, node:tls and node:http, no dependencies. */
export function createNodeProber(options: { clock?: ProbeClock } = {}): Prober {
  const clock = options.clock ?? monotonicClock;
  return {
    kind: 'node',
    probeTls: (request) => probeTls(request, clock),
    probeHttp: (request) => probeHttp(request, clock),
  };
}
