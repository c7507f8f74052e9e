import { createServer } from 'node:http';
import type { Registry } from 'prom-client';
import { listenOn, type Listening } from './listen-on.js';

/** A Prometheus text endpoint for one registry on a host's own address (envoy's 16543, mtail's 9122). */
export async function startMetricsEndpoint(options: { address: string; port: number; path: string; registry: Registry; what: string }): Promise<Listening> {
  const server = createServer((request, response) => {
    if ((request.url ?? '').split('?')[0] !== options.path) {
      response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    options.registry.metrics().then(
      (text) => response.writeHead(200, { 'Content-Type': options.registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  return listenOn(server, options.address, options.port, options.what);
}
