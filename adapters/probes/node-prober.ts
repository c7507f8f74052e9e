import { probeHttp } from './http-probe.js';
import type { Prober } from './prober.js';
import { NO_RESOLVE, type ResolveMap } from './resolve-map.js';
import { monotonicClock, probeTls, type ProbeClock } from './tls-probe.js';

/**
 * The production Prober: node:net, node:tls and node:http, no dependencies. `resolve` (the
 * config's network.resolve) decides where a host name connects; the name itself still goes out
 * as SNI and Host and is what the certificate is checked against.
 */
export function createNodeProber(options: { clock?: ProbeClock; resolve?: ResolveMap } = {}): Prober {
  const clock = options.clock ?? monotonicClock;
  const resolve = options.resolve ?? NO_RESOLVE;
  return {
    kind: 'node',
    probeTls: (request) => probeTls(request, clock, resolve),
    probeHttp: (request) => probeHttp(request, clock, resolve),
  };
}
