import http from 'node:http';
import https from 'node:https';
import { printable } from '../../core/printable.js';

export interface HttpExchange {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  headers: Readonly<Record<string, string>>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface HttpAnswer {
  status: number;
  text: string;
  /** The X-Etcd-Index header as sent, if any. */
  etcdIndex: string | undefined;
}

/** Why an exchange failed before an answer: what EtcdV2Client reports and fails over on. */
export class HttpFailure extends Error {
  constructor(
    readonly reason: string,
    readonly timedOut: boolean,
    readonly cancelled = false,
  ) {
    super(reason);
  }
}

/**
 * etcd's HTTP on node:http with kept-alive connections. fetch (undici) cost about twice the CPU
 * per request (its streams, and an AbortSignal per deadline); a 500-host wave makes a thousand
 * requests, and on a loaded machine that CPU was the wave's wall time. The deadline covers the
 * whole exchange, body included; a redirect is refused, as the fetch version did (redirect: 'error').
 * A replayed PUT is safe: every conftool write is a compare-and-swap (etcd-client.ts); a POST (a
 * spicerack writer lock's queued key) is never replayed, or it could queue a second key behind us.
 */
export class EtcdHttp {
  private readonly agents = { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }) };

  exchange(url: string, request: HttpExchange, fresh = false): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      const secure = url.startsWith('https:');
      const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
      const headers = body === undefined ? request.headers : { ...request.headers, 'Content-Length': String(body.length) };
      let settled = false;
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const sent = (secure ? https : http).request(url, { method: request.method, headers, agent: secure ? this.agents.https : this.agents.http }, (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          finish(() => reject(new HttpFailure(`redirected (HTTP ${status}), not followed`, false)));
          return;
        }
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const index = response.headers['x-etcd-index'];
          finish(() => resolve({ status, text, etcdIndex: Array.isArray(index) ? index[0] : index }));
        });
        response.on('error', (error) => finish(() => reject(new HttpFailure(reasonOf(error), false))));
      });
      const timer = setTimeout(() => {
        finish(() => reject(new HttpFailure(`no answer within ${request.timeoutMs} ms`, true)));
        sent.destroy();
      }, request.timeoutMs);
      const onAbort = (): void => {
        finish(() => reject(new HttpFailure('cancelled', false, true)));
        sent.destroy();
      };
      if (request.signal?.aborted === true) onAbort();
      else request.signal?.addEventListener('abort', onAbort, { once: true });
      sent.on('error', (error) => {
        // A kept-alive connection the server closed while idle fails at once: that is no answer from etcd, so once more on a new one.
        const stale = sent.reusedSocket && !fresh && request.method !== 'POST' && ['ECONNRESET', 'EPIPE'].includes((error as Error & { code?: string }).code ?? '');
        finish(() => (stale ? resolve(this.exchange(url, request, true)) : reject(new HttpFailure(reasonOf(error), false))));
      });
      sent.end(body);
    });
  }
}

function reasonOf(error: Error): string {
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : printable(error.message, 80);
}
