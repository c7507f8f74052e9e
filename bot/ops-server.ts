import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
  /** Who holds the leader lease and whether this instance is the one (gateway and all roles). */
  leader?: { instance: string; token: number; since: string } | null;
  instance?: { name: string; leading: boolean };
}

export interface OpsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Extra GET paths (the status page); undefined means "not mine". */
export type OpsRoute = (request: { path: string; host: string | undefined }) => Promise<OpsResponse | undefined>;

export interface OpsServerOptions {
  host: string;
  port: number;
  metrics: () => Promise<string>;
  readiness: () => Promise<Readiness>;
  routes?: OpsRoute;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Loopback names only, on every path: a page on another site whose DNS name rebinds to 127.0.0.1
 * reaches this port from a browser with its own name as Host, and gets nothing (DNS rebinding).
 */
export const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

/**
 * /metrics, /healthz, /readyz and the read-only status page for whoever runs the bot. Loopback
 * only (the config allows nothing else): they name people and hosts, and there is no
 * authentication here. GET only: nothing served here can change anything.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((request, response) => {
    void route(request, response, options).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : 'error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function route(request: IncomingMessage, response: ServerResponse, options: OpsServerOptions): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  if (!LOOPBACK_HOST.test(request.headers.host ?? '')) {
    response.writeHead(421, { 'content-type': 'text/plain' }).end('the ops port answers loopback host names only\n');
    return;
  }
  if (request.method !== 'GET') {
    response.writeHead(405, { allow: 'GET' }).end();
    return;
  }
  switch (path) {
    case '/metrics':
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(await options.metrics());
      return;
    case '/healthz':
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    case '/readyz': {
      const readiness = await options.readiness();
      response.writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(readiness)}\n`);
      return;
    }
    default: {
      const extra = await options.routes?.({ path, host: request.headers.host });
      if (extra !== undefined) {
        response.writeHead(extra.status, extra.headers).end(extra.body);
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try ${options.routes === undefined ? '' : '/ (status page), '}/metrics, /healthz or /readyz\n`);
    }
  }
}
