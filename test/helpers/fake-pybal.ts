import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { PybalServerState } from '../../core/ports/pybal.js';
import { freePort } from './etcd-server.js';

/** ok: answers like pybal's instrumentation. hang: accepts and never answers. garbage: 200 with HTML. */
export type FakePybalMode = 'ok' | 'hang' | 'garbage';

export interface FakePybal {
  readonly host: string;
  readonly port: number;
  /** Requests seen: path and Accept header. */
  readonly requests: { path: string; accept: string | undefined }[];
  setServer(pool: string, fqdn: string, state: PybalServerState): void;
  /** What pybal does when conftool says inactive: the server leaves the pool. */
  removeServer(pool: string, fqdn: string): void;
  close(): Promise<void>;
}

export type FakePools = Record<string, Record<string, PybalServerState>>;

/**
 * pybal's instrumentation (`pybal/instrumentation.py`) on one address: /pools, /pools/<pool>,
 * /pools/<pool>/<server>, JSON only when Accept asks for it, text otherwise, 404 JSON for unknown URLs.
 */
function handler(pools: FakePools, requests: FakePybal['requests']) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const path = request.url ?? '/';
    requests.push({ path, accept: request.headers.accept });
    const json = (request.headers.accept ?? '').includes('application/json');
    const [, root, pool, server, ...rest] = path.split('/').map((part) => decodeURIComponent(part));
    const send = (status: number, body: unknown, text: string): void => {
      response.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain' });
      response.end(json ? JSON.stringify(body) : text);
    };
    const notFound = (): void => send(404, { error: 'The desired url was not found' }, 'The desired url was not found');
    if (root !== 'pools' || rest.length > 0) return notFound();
    if (pool === undefined || pool === '') return send(200, Object.keys(pools), `${Object.keys(pools).join('\n')}\n`);
    const servers = Object.hasOwn(pools, pool) ? pools[pool] : undefined;
    if (servers === undefined) return notFound();
    const textOf = (state: PybalServerState): string => `${state.enabled ? 'enabled' : 'disabled'}/${state.up ? 'up' : 'down'}/${state.pooled ? 'pooled' : 'not pooled'}`;
    if (server === undefined || server === '') {
      return send(200, servers, Object.entries(servers).map(([name, state]) => `${name}:\t${textOf(state)}\n`).join(''));
    }
    const state = Object.hasOwn(servers, server) ? servers[server] : undefined;
    return state === undefined ? notFound() : send(200, state, `${textOf(state)}\n`);
  };
}

export async function startFakePybal(options: { host: string; port: number; mode?: FakePybalMode; pools?: FakePools }): Promise<FakePybal> {
  const pools: FakePools = structuredClone(options.pools ?? {});
  const requests: FakePybal['requests'] = [];
  const sockets = new Set<Socket>();
  const serve = handler(pools, requests);
  const server: Server = createServer((request, response) => {
    switch (options.mode ?? 'ok') {
      case 'ok':
        return serve(request, response);
      case 'hang':
        requests.push({ path: request.url ?? '/', accept: request.headers.accept });
        return;
      case 'garbage':
        requests.push({ path: request.url ?? '/', accept: request.headers.accept });
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html><body>502 Bad Gateway</body></html>');
        return;
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    host: options.host,
    port: options.port,
    requests,
    setServer(pool, fqdn, state) {
      pools[pool] = { ...pools[pool], [fqdn]: state };
    },
    removeServer(pool, fqdn) {
      const servers = pools[pool];
      if (servers !== undefined) delete servers[fqdn];
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One fake per loopback address, all on the same port, as LVS hosts all serve :9090. Linux
 * answers on all of 127.0.0.0/8, so 127.0.0.2 and 127.0.0.3 are as good as two more machines.
 */
export async function startFakePybals(specs: readonly { host: string; mode?: FakePybalMode }[], pools: FakePools): Promise<{ port: number; fakes: FakePybal[] }> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const port = await freePort();
    const fakes: FakePybal[] = [];
    try {
      for (const spec of specs) fakes.push(await startFakePybal({ host: spec.host, port, pools, ...(spec.mode === undefined ? {} : { mode: spec.mode }) }));
      return { port, fakes };
    } catch (error) {
      await Promise.all(fakes.map((fake) => fake.close()));
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error('no port was free on every loopback address after 10 tries');
}
