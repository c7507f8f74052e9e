import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ResolveMap } from './resolve-map.js';

/**
 * The part of fetch a JSON read needs (GET, headers, a signal, status and text), over node:http
 * so that the connection honours network.resolve: the URL's host name is looked up in the map,
 * and stays the Host header and TLS server name. Redirects are not followed. For adapters that
 * otherwise use fetch, whose undici connection has no per-request lookup.
 */
export function resolvedFetch(resolve: ResolveMap, options: { ca?: string } = {}): (url: string, init: { headers?: Record<string, string>; signal?: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }> {
  return (url, init) =>
    new Promise((resolvePromise, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const port = target.port === '' ? (secure ? 443 : 80) : Number(target.port);
      const send = secure ? httpsRequest : httpRequest;
      const request = send(
        target,
        {
          method: 'GET',
          headers: init.headers ?? {},
          lookup: resolve.lookupFor(port),
          // A pooled keep-alive socket is keyed by name and port, not by where the map sent it.
          agent: false,
          ...(init.signal === undefined ? {} : { signal: init.signal }),
          ...(secure && options.ca !== undefined ? { ca: options.ca } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            resolvePromise({ status: response.statusCode ?? 0, text: async () => body });
          });
        },
      );
      request.on('error', reject);
      request.end();
    });
}
