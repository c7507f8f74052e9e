import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LabFault } from '../control-api.js';
import { kartotherianAnswer } from './kartotherian-answer.js';

/** envoy's body when the app behind the sidecar is not there: what the 2025 incident's clients got. */
export const ENVOY_UNAVAILABLE = 'upstream connect error or disconnect/reset before headers. reset reason: connection failure';

export interface ServeOptions {
  tilePath: string;
  /** The host's fault right now, read per request so a fault takes effect at once. */
  fault: () => LabFault | null;
  /** One sample of the host's normal latency. */
  latencyMs: () => number;
  /** Each answered request: its status and how long it took (the envoy sidecar's metrics). */
  onAnswered?: (status: number, milliseconds: number) => void;
}

/**
 * One request to a lab host, faults included. `hang` reads the request and never answers (the
 * connection stays open until the client gives up or the host stops); `unavailable` answers 503
 * as envoy does; `slow` multiplies the latency; `wrong-cert` is the TLS layer's business.
 */
export function serveRequest(request: IncomingMessage, response: ServerResponse, options: ServeOptions): void {
  const started = performance.now();
  const fault = options.fault();
  request.resume();
  if (fault?.kind === 'hang') return;
  const delay = options.latencyMs() * (fault?.kind === 'slow' ? fault.factor : 1);
  const timer = setTimeout(() => {
    if (response.destroyed) return;
    const answer =
      fault?.kind === 'unavailable'
        ? { status: 503, contentType: 'text/plain', body: Buffer.from(ENVOY_UNAVAILABLE) }
        : kartotherianAnswer(request.url ?? '/', options.tilePath);
    response.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Content-Length': answer.body.length });
    response.end(request.method === 'HEAD' ? undefined : answer.body);
    options.onAnswered?.(answer.status, performance.now() - started);
  }, delay);
  response.once('close', () => clearTimeout(timer));
}
