import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { CertificateFiles } from './tls-fixtures.js';

/** A real 1x1 PNG, so "it is an image" is true of the bytes too. */
export const TILE_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** node sets `servername` (the client's SNI) on server-side sockets; @types/node 20 omits it. */
type ServerTlsSocket = TLSSocket & { servername?: string | false };

/**
 * How a test server answers:
 * - tile: 200 image/png with TILE_PNG, a healthy Kartotherian.
 * - unavailable: 503 with envoy's text, the worker that passes TCP checks and fails requests.
 * - html: 200 text/html, a default vhost instead of the tile server.
 * - hang: completes TLS, reads the request, never answers.
 * - stall-body: sends headers and half the body, then nothing.
 * - drop: sends headers and half the body, then resets the connection.
 */
export type Behaviour = 'tile' | 'unavailable' | 'html' | 'hang' | 'stall-body' | 'drop';

export interface SeenRequest {
  /** SNI the client sent. */
  servername: string | undefined;
  host: string | undefined;
  path: string | undefined;
  userAgent: string | undefined;
}

export interface TestServer {
  /** A loopback address: 127.0.0.1 unless the test asked for another. */
  readonly host: string;
  readonly port: number;
  /** Requests that got as far as HTTP. */
  readonly requests: SeenRequest[];
  /** TCP connections still open on the server side. */
  openSockets(): number;
  /** Resolves once every connection is gone: how a test proves the client destroyed its socket. */
  waitForNoSockets(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * `at` puts the server on another loopback address (all of 127/8 is local on Linux), so several
 * servers can share one port the way real servers in an LVS pool do.
 */
export function startHttpsServer(options: { certificate: CertificateFiles; behaviour: Behaviour; at?: { host: string; port: number } }): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = createHttpsServer({ cert: options.certificate.cert, key: options.certificate.key }, (request, response) => {
    answer(options.behaviour, requests, request, response);
  });
  return listen(withoutTimeouts(server), requests, options.at);
}

/** The same behaviours over plain HTTP, like Kartotherian's own port 6533. */
export function startHttpServer(options: { behaviour: Behaviour }): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = createHttpServer((request, response) => {
    answer(options.behaviour, requests, request, response);
  });
  return listen(withoutTimeouts(server), requests);
}

/** Keep-alive and header timeouts off: the hanging servers must hang for as long as the client lets them. */
function withoutTimeouts<S extends { keepAliveTimeout: number; headersTimeout: number; requestTimeout: number }>(server: S): S {
  server.keepAliveTimeout = 0;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  return server;
}

function answer(behaviour: Behaviour, requests: SeenRequest[], request: IncomingMessage, response: ServerResponse): void {
  requests.push({
    servername: (request.socket as ServerTlsSocket).servername || undefined,
    host: request.headers.host,
    path: request.url,
    userAgent: request.headers['user-agent'],
  });
  switch (behaviour) {
    case 'tile':
      response.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': TILE_PNG.length });
      response.end(TILE_PNG);
      return;
    case 'unavailable':
      response.writeHead(503, { 'Content-Type': 'text/plain' });
      response.end('upstream connect error or disconnect/reset before headers. reset reason: connection failure');
      return;
    case 'html':
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<html><body>Welcome to nginx!</body></html>');
      return;
    case 'hang':
      return;
    case 'stall-body':
      response.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': TILE_PNG.length * 2 });
      response.write(TILE_PNG);
      return;
    case 'drop':
      response.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': TILE_PNG.length * 2 });
      response.write(TILE_PNG, () => setTimeout(() => request.socket.destroy(), 20));
      return;
    default:
      behaviour satisfies never;
  }
}

/** Accepts TCP and never says a word: the client's TLS handshake waits forever. */
export function startSilentServer(): Promise<TestServer> {
  // Reading (and dropping) what arrives is what lets the server see the client's FIN.
  const server = createTcpServer((socket) => socket.resume());
  return listen(server, []);
}

/** A loopback port where, a moment ago, nothing was listening: connections are refused. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function listen(server: Server, requests: SeenRequest[], at: { host: string; port: number } = { host: '127.0.0.1', port: 0 }): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const idle: Array<() => void> = [];
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) idle.splice(0).forEach((wake) => wake());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host: at.host,
    port,
    requests,
    openSockets: () => sockets.size,
    waitForNoSockets(timeoutMs) {
      if (sockets.size === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${sockets.size} connection(s) to :${port} still open after ${timeoutMs} ms`)), timeoutMs);
        idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
