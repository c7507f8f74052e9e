import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen } from './http-listen.js';
import type { Registry } from 'prom-client';
import { renderInstrumentation, type PoolView } from './instrumentation-render.js';

export interface InstrumentationServer {
  close(): Promise<void>;
}

/**
 * pybal's instrumentation port (pybal/instrumentation.py): /pools, /pools/<pool>, /pools/<pool>/<host>,
 * /alerts, and /metrics from the monitor's own prom-client Registry. JSON only when one Accept header
 * value is exactly `application/json` (pybal tests membership in the raw header list).
 */
export async function startInstrumentationServer(address: string, port: number, pools: () => readonly PoolView[], registry: Registry): Promise<InstrumentationServer> {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = request.url ?? '/';
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { 'content-type': 'text/plain' }).end('Method not allowed');
      return;
    }
    if (path.split('?')[0] === '/metrics') {
      const body = await registry.metrics();
      response.writeHead(200, { 'content-type': registry.contentType }).end(body);
      return;
    }
    const wantJson = (request.headersDistinct.accept ?? []).includes('application/json');
    const rendered = renderInstrumentation(path, wantJson, pools());
    response.writeHead(rendered.status, { 'content-type': rendered.contentType }).end(rendered.body);
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(error instanceof Error ? error.message : String(error));
    });
  });
  await listen(server, address, port);
  return { close: () => closeServer(server) };
}
