import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { printable } from '../../core/printable.js';
import { ConnectionAborted } from './open-connection.js';
import type { ProbeFailure } from './prober.js';
import { classifySocketError, type ProbePhase } from './socket-failure.js';

export interface ExchangeOptions {
  socket: Socket;
  method: 'GET';
  path: string;
  headers: Readonly<Record<string, string>>;
  expectStatus: number;
  expectContentType: RegExp;
  minBytes: number;
  maxBytes: number;
  target: string;
  signal: AbortSignal;
  elapsed: () => number;
  onPhase: (phase: ProbePhase) => void;
  /** Filled in as the answer arrives, so a timeout or reset mid-body still reports the status. */
  seen: Exchange;
}

export interface Exchange {
  status?: number;
  contentType?: string;
  bytes: number;
  firstByteMs?: number;
  failure?: ProbeFailure;
}

/** Enough of an error body to show envoy's or nginx's reason ("upstream connect error ..."). */
const SNIPPET_BYTES = 200;

/**
 * One HTTP/1.1 request over an already-open socket (so TLS was checked before anything was
 * sent), read to the end. The socket is always destroyed afterwards: probes never reuse one.
 */
export function exchange(options: ExchangeOptions): Promise<Exchange> {
  const { target } = options;
  return new Promise((resolve, reject) => {
    let settled = false;
    let phase: ProbePhase = 'headers';
    const enter = (next: ProbePhase): void => {
      phase = next;
      options.onPhase(next);
    };
    const settle = (outcome: { value: Exchange } | { error: Error }): void => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      request.destroy();
      options.socket.destroy();
      if ('value' in outcome) resolve(outcome.value);
      else reject(outcome.error);
    };
    const onAbort = (): void => settle({ error: new ConnectionAborted('aborted') });

    enter('headers');
    const request = httpRequest({
      method: options.method,
      path: options.path,
      headers: options.headers,
      setHost: false,
      createConnection: () => options.socket,
    });
    if (options.signal.aborted) {
      onAbort();
      return;
    }
    options.signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => settle({ error: classifySocketError(error, phase, target) }));
    request.once('response', (response: IncomingMessage) => {
      const { seen } = options;
      seen.firstByteMs = options.elapsed();
      enter('body');
      const status = response.statusCode ?? 0;
      const contentType = response.headers['content-type'];
      seen.status = status;
      if (contentType !== undefined) seen.contentType = contentType;
      const done = (failure?: ProbeFailure): void => settle({ value: { ...seen, ...(failure === undefined ? {} : { failure }) } });
      const chunks: Buffer[] = [];
      response.on('error', (error) => settle({ error: classifySocketError(error, 'body', target) }));
      response.once('close', () => {
        if (!response.complete) settle({ error: classifySocketError(Object.assign(new Error('connection closed before the body ended'), { code: 'ECONNRESET' }), 'body', target) });
      });

      if (status !== options.expectStatus) {
        const finishStatus = (): void => {
          const body = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8').trim();
          const why = body === '' || !/^text\/|json/.test(contentType ?? '') ? '' : `: ${printable(body.replace(/\s+/g, ' '), 120)}`;
          done({ code: 'status', message: `HTTP ${status} from ${target} (expected ${options.expectStatus})${why}` });
        };
        response.on('data', (chunk: Buffer) => {
          seen.bytes += chunk.length;
          chunks.push(chunk);
          if (seen.bytes >= SNIPPET_BYTES) finishStatus();
        });
        response.once('end', finishStatus);
        return;
      }
      if (contentType === undefined || !options.expectContentType.test(contentType)) {
        const got = contentType === undefined ? 'no Content-Type' : `Content-Type ${printable(contentType, 80)}`;
        done({ code: 'content-type', message: `${got} from ${target} (expected ${String(options.expectContentType)})` });
        return;
      }
      response.on('data', (chunk: Buffer) => {
        seen.bytes += chunk.length;
        if (seen.bytes > options.maxBytes) done({ code: 'body', message: `body from ${target} exceeds ${options.maxBytes} bytes` });
      });
      response.once('end', () => {
        if (seen.bytes < options.minBytes) done({ code: 'body', message: `body from ${target} has ${seen.bytes} bytes (expected at least ${options.minBytes})` });
        else done();
      });
    });
    request.end();
  });
}
