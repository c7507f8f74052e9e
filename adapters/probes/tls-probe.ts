import { CutoverError } from '../../core/errors.js';
import { startDeadline } from './deadline.js';
import { ConnectionAborted, openConnection } from './open-connection.js';
import { parseInput } from './parse-input.js';
import { tlsProbeRequestSchema, type TlsProbeRequest, type TlsProbeResult } from './prober.js';
import { PHASE_WORDS, ProbeFailed, type ProbePhase } from './socket-failure.js';
import { tlsVerdict } from './tls-verdict.js';
import { NO_RESOLVE, type ResolveMap } from './resolve-map.js';

export interface ProbeClock {
  /** Monotonic milliseconds; performance.now in production. */
  now(): number;
}

export const monotonicClock: ProbeClock = { now: () => performance.now() };

/**
 * Connects, completes a TLS handshake with the given SNI, and reports the certificate, whether
 * it is trusted and whether it covers every expected name. Nothing is sent after the handshake.
 */
export async function probeTls(request: TlsProbeRequest, clock: ProbeClock = monotonicClock, resolve: ResolveMap = NO_RESOLVE): Promise<TlsProbeResult> {
  const { signal, ...data } = request;
  const input = parseInput(tlsProbeRequestSchema, data, 'TLS probe');
  const target = `${input.host}:${input.port}`;
  const deadline = startDeadline(input.timeoutMs, signal);
  const started = clock.now();
  const elapsed = (): number => Math.round(clock.now() - started);
  let phase: ProbePhase = 'connect';
  const failed = (failure: TlsProbeResult['error']): TlsProbeResult => ({
    ok: false,
    target,
    latencyMs: elapsed(),
    trusted: false,
    namesOk: false,
    missingNames: [...input.expectedNames],
    ...(failure === undefined ? {} : { error: failure }),
  });
  try {
    const opened = await openConnection({
      host: input.host,
      port: input.port,
      ...(resolve.size === 0 ? {} : { lookup: resolve.lookupFor(input.port) }),
      tls: { servername: input.servername ?? input.host, ca: input.ca },
      signal: deadline.signal,
      elapsed,
      onPhase: (next) => {
        phase = next;
      },
    });
    opened.socket.destroy();
    const tls = opened.tls ?? { authorized: false };
    const verdict = tlsVerdict(tls, input.expectedNames, input.rejectUnauthorized, target);
    return {
      ok: verdict.failure === undefined,
      target,
      latencyMs: opened.tlsMs ?? elapsed(),
      ...(tls.certificate === undefined ? {} : { certificate: tls.certificate }),
      trusted: verdict.trusted,
      namesOk: verdict.namesOk,
      missingNames: verdict.missingNames,
      ...(tls.protocol === undefined ? {} : { protocol: tls.protocol }),
      ...(verdict.failure === undefined ? {} : { error: verdict.failure }),
    };
  } catch (error) {
    if (deadline.cancelled()) throw new CutoverError('adapter.cancelled', `TLS probe of ${target} cancelled`, { cause: error });
    if (error instanceof ConnectionAborted) {
      return failed({ code: 'timeout', message: `no TLS handshake from ${target} within ${input.timeoutMs} ms (stalled ${PHASE_WORDS[phase]})` });
    }
    if (error instanceof ProbeFailed) return failed(error.failure);
    throw error;
  } finally {
    deadline.dispose();
  }
}
