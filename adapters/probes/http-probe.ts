import { isIP } from 'node:net';
import { CutoverError } from '../../core/errors.js';
import { startDeadline } from './deadline.js';
import { exchange, type Exchange } from './http-exchange.js';
import { ConnectionAborted, openConnection, type TlsDetails } from './open-connection.js';
import { parseInput } from './parse-input.js';
import { httpProbeRequestSchema, type HttpProbeRequest, type HttpProbeResult, type HttpProbeTimings, type ProbeFailure } from './prober.js';
import { PHASE_WORDS, ProbeFailed, type ProbePhase } from './socket-failure.js';
import { monotonicClock, type ProbeClock } from './tls-probe.js';
import { tlsVerdict } from './tls-verdict.js';
import { NO_RESOLVE, type ResolveMap } from './resolve-map.js';

export const PROBE_USER_AGENT = 'cutover-probe/0.1 (+https://phabricator.wikimedia.org/T378944)';

/** What probeHttp will do, worked out from the request alone: shared with describeProbe. */
export interface HttpProbePlan {
  url: URL;
  tls: boolean;
  connect: { host: string; port: number };
  /** undefined for plain HTTP and for IP hosts, which SNI cannot carry. */
  servername: string | undefined;
  path: string;
  headers: Record<string, string>;
  expectedNames: string[];
}

export function planHttpProbe(input: { url: string; connectTo?: { host: string; port: number } | undefined; expectedNames?: string[] | undefined }): HttpProbePlan {
  const url = new URL(input.url);
  const tls = url.protocol === 'https:';
  // URL keeps IPv6 literals in brackets; sockets and SNI want them bare.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
  return {
    url,
    tls,
    connect: input.connectTo ?? { host: hostname, port },
    servername: tls && isIP(hostname) === 0 ? hostname : undefined,
    path: `${url.pathname}${url.search}`,
    headers: { Host: url.host, 'User-Agent': PROBE_USER_AGENT, Accept: '*/*', Connection: 'close' },
    expectedNames: tls ? (input.expectedNames ?? [hostname]) : [],
  };
}

/**
 * One GET the way a user's request arrives: the URL's Host and SNI, optionally to a chosen
 * server (connectTo), with a single deadline over connect, TLS, headers and body. A server that
 * accepts and then says nothing times out on time, and its socket is destroyed.
 */
export async function probeHttp(request: HttpProbeRequest, clock: ProbeClock = monotonicClock, resolve: ResolveMap = NO_RESOLVE): Promise<HttpProbeResult> {
  const { signal, ...data } = request;
  const input = parseInput(httpProbeRequestSchema, data, 'HTTP probe');
  const plan = planHttpProbe(input);
  const target = `${plan.connect.host}:${plan.connect.port}`;
  const deadline = startDeadline(input.timeoutMs, signal);
  const started = clock.now();
  const elapsed = (): number => Math.round(clock.now() - started);
  const timings: HttpProbeTimings = {};
  let phase: ProbePhase = 'connect';
  let tls: TlsDetails | undefined;
  const seen: Exchange = { bytes: 0 };
  const result = (error?: ProbeFailure): HttpProbeResult => {
    if (seen.firstByteMs !== undefined) timings.firstByteMs = seen.firstByteMs;
    return {
      ok: error === undefined,
      url: input.url,
      target,
      ...(seen.status === undefined ? {} : { status: seen.status }),
      ...(seen.contentType === undefined ? {} : { contentType: seen.contentType }),
      bytes: seen.bytes,
      latencyMs: elapsed(),
      timings,
      ...(tls?.certificate === undefined ? {} : { certificate: tls.certificate }),
      ...(error === undefined ? {} : { error }),
    };
  };
  const onPhase = (next: ProbePhase): void => {
    phase = next;
  };
  try {
    const opened = await openConnection({
      host: plan.connect.host,
      port: plan.connect.port,
      ...(resolve.size === 0 ? {} : { lookup: resolve.lookupFor(plan.connect.port) }),
      ...(plan.tls ? { tls: { servername: plan.servername, ca: input.ca } } : {}),
      signal: deadline.signal,
      elapsed,
      onPhase,
    });
    timings.connectMs = opened.connectMs;
    if (opened.tlsMs !== undefined) timings.tlsMs = opened.tlsMs;
    tls = opened.tls;
    if (tls !== undefined) {
      const verdict = tlsVerdict(tls, plan.expectedNames, input.rejectUnauthorized, target);
      if (verdict.failure !== undefined) {
        opened.socket.destroy();
        return result(verdict.failure);
      }
    }
    const outcome = await exchange({
      socket: opened.socket,
      method: input.method,
      path: plan.path,
      headers: plan.headers,
      expectStatus: input.expectStatus,
      expectContentType: input.expectContentType,
      minBytes: input.minBytes,
      maxBytes: input.maxBytes,
      target,
      signal: deadline.signal,
      elapsed,
      onPhase,
      seen,
    });
    return result(outcome.failure);
  } catch (error) {
    if (deadline.cancelled()) throw new CutoverError('adapter.cancelled', `Probe of ${input.url} via ${target} cancelled`, { cause: error });
    if (error instanceof ConnectionAborted) {
      return result({ code: 'timeout', message: `no complete answer from ${target} within ${input.timeoutMs} ms (stalled ${PHASE_WORDS[phase]})` });
    }
    if (error instanceof ProbeFailed) return result(error.failure);
    throw error;
  } finally {
    deadline.dispose();
  }
}
