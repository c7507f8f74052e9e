import { connect as connectTcp, isIP, type LookupFunction, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { certificateInfo } from './certificate-info.js';
import type { CertificateInfo } from './prober.js';
import { classifySocketError, type ProbePhase } from './socket-failure.js';

export interface OpenConnectionOptions {
  host: string;
  port: number;
  tls?: { servername: string | undefined; ca: string | undefined };
  /** How `host` becomes an address (network.resolve); the system resolver when absent. */
  lookup?: LookupFunction;
  /** Aborting destroys whatever socket exists at that moment. */
  signal: AbortSignal;
  /** Milliseconds since the probe started, for the timings. */
  elapsed: () => number;
  /** Told the phase as it changes, so a timeout can say where it stalled. */
  onPhase: (phase: ProbePhase) => void;
}

export interface TlsDetails {
  certificate?: CertificateInfo;
  /** The chain verified against the configured roots (names are checked separately). */
  authorized: boolean;
  authorizationError?: string;
  protocol?: string;
}

export interface OpenedConnection {
  socket: Socket | TLSSocket;
  connectMs: number;
  tlsMs?: number;
  tls?: TlsDetails;
}

function ignore(): void {}

/** Thrown when the signal aborts; the caller's deadline knows whether that was time or a person. */
export class ConnectionAborted extends Error {}

/**
 * TCP, then TLS on top, as two observable phases. The handshake never rejects on its own:
 * verification runs with rejectUnauthorized off so the certificate can always be reported, and
 * the caller decides from `authorized` and its own name check before a single request byte is sent.
 */
export function openConnection(options: OpenConnectionOptions): Promise<OpenedConnection> {
  const target = `${options.host}:${options.port}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    let current: Socket | undefined;
    const finish = (error: unknown, value?: OpenedConnection): void => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      if (error === undefined && value !== undefined) resolve(value);
      else {
        current?.destroy();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onAbort = (): void => finish(new ConnectionAborted('aborted'));
    if (options.signal.aborted) {
      onAbort();
      return;
    }
    options.signal.addEventListener('abort', onAbort, { once: true });

    options.onPhase('connect');
    const raw = connectTcp({ host: options.host, port: options.port, noDelay: true, ...(options.lookup === undefined ? {} : { lookup: options.lookup }) });
    current = raw;
    const onConnectError = (error: Error): void => finish(classifySocketError(error, 'connect', target));
    raw.on('error', onConnectError);
    raw.once('connect', () => {
      const connectMs = options.elapsed();
      raw.removeListener('error', onConnectError);
      // From here errors surface through the TLS socket or the HTTP request; a late one must not
      // become an uncaught exception after the probe has settled.
      raw.on('error', ignore);
      if (options.tls === undefined) {
        finish(undefined, { socket: raw, connectMs });
        return;
      }
      options.onPhase('tls');
      const { servername, ca } = options.tls;
      const secure = connectTls({
        socket: raw,
        ...(servername === undefined || isIP(servername) !== 0 ? {} : { servername }),
        ...(ca === undefined ? {} : { ca }),
        rejectUnauthorized: false,
        // Names are checked against the expected list by the caller, with its own rules.
        checkServerIdentity: () => undefined,
        ALPNProtocols: ['http/1.1'],
      });
      current = secure;
      const onTlsError = (error: Error): void => finish(classifySocketError(error, 'tls', target));
      secure.on('error', onTlsError);
      secure.once('secureConnect', () => {
        secure.removeListener('error', onTlsError);
        secure.on('error', ignore);
        const certificate = certificateInfo(secure.getPeerCertificate());
        const authorizationError = secure.authorizationError === null ? undefined : String(secure.authorizationError);
        const protocol = secure.getProtocol() ?? undefined;
        finish(undefined, {
          socket: secure,
          connectMs,
          tlsMs: options.elapsed(),
          tls: {
            ...(certificate === undefined ? {} : { certificate }),
            authorized: secure.authorized,
            ...(authorizationError === undefined ? {} : { authorizationError }),
            ...(protocol === undefined ? {} : { protocol }),
          },
        });
      });
    });
  });
}
