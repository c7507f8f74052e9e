import { printable } from '../../core/printable.js';
import type { ProbeFailure } from './prober.js';

/** Where in a probe something went wrong: the same errno means different things in each. */
export type ProbePhase = 'connect' | 'tls' | 'headers' | 'body';

export const PHASE_WORDS: Readonly<Record<ProbePhase, string>> = {
  connect: 'connecting',
  tls: 'in the TLS handshake',
  headers: 'waiting for response headers',
  body: 'reading the body',
};

/** A failure with its phase, thrown inside the probe and turned into a result at the edge. */
export class ProbeFailed extends Error {
  constructor(
    readonly phase: ProbePhase,
    readonly failure: ProbeFailure,
    options?: { cause?: unknown },
  ) {
    super(failure.message, options);
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ETIMEDOUT', 'EHOSTDOWN', 'ENETDOWN']);

export function classifySocketError(error: unknown, phase: ProbePhase, target: string): ProbeFailed {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const detail = printable(error instanceof Error ? error.message : String(error), 160);
  const failure = ((): ProbeFailure => {
    if (phase === 'connect') {
      if (code === 'ECONNREFUSED') return { code: 'refused', message: `connection refused by ${target}` };
      if (DNS_CODES.has(code)) return { code: 'dns', message: `cannot resolve ${target}: ${detail}` };
      if (code === 'ECONNRESET') return { code: 'reset', message: `connection to ${target} reset while connecting` };
      if (UNREACHABLE_CODES.has(code)) return { code: 'unreachable', message: `${target} unreachable: ${detail}` };
      return { code: 'unreachable', message: `cannot connect to ${target}: ${detail}` };
    }
    // A server that drops the connection mid-handshake (wrong port, plaintext, SNI refused) fails TLS.
    if (phase === 'tls') return { code: 'tls', message: `TLS handshake with ${target} failed: ${detail}` };
    if (code.startsWith('HPE_')) return { code: 'protocol', message: `invalid HTTP from ${target} ${PHASE_WORDS[phase]}: ${detail}` };
    return { code: 'reset', message: `${target} closed the connection ${PHASE_WORDS[phase]}: ${detail}` };
  })();
  return new ProbeFailed(phase, failure, { cause: error });
}
