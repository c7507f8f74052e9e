import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { HostCertificates } from './host-certificates.js';
import { listenOn, type Listening } from '../servers/listen-on.js';
import { serveRequest, type ServeOptions } from './serve-request.js';

export interface HostServerOptions extends ServeOptions {
  address: string;
  port: number;
  /** For error messages: "maps1005.eqiad.wmnet nginx". */
  what: string;
  /** TLS with these certificates; plain HTTP without. */
  certificates?: HostCertificates;
}

export interface HostServer extends Listening {
  /** Serves the certificate the current fault calls for to new connections (wrong-cert or the right one). */
  refreshCertificate(): void;
}

/** One port of one lab host: plain HTTP (Kartotherian's 6533) or TLS (nginx's 443/6543, the NodePort). */
export async function startHostServer(options: HostServerOptions): Promise<HostServer> {
  const handler: Parameters<typeof createHttpServer>[1] = (request, response) => serveRequest(request, response, options);
  const certificates = options.certificates;
  const current = () => (options.fault()?.kind === 'wrong-cert' ? certificates?.wrong : certificates?.right);
  let server: HttpServer | HttpsServer;
  if (certificates === undefined) server = createHttpServer(handler);
  else {
    const certificate = current() ?? certificates.right;
    server = createHttpsServer({ cert: certificate.cert, key: certificate.key }, handler);
  }
  // No server-side timeouts: a hanging host must hang for as long as its client waits.
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 60_000;
  const listening = await listenOn(server, options.address, options.port, options.what);
  return {
    ...listening,
    close: () => listening.close(),
    refreshCertificate() {
      const certificate = current();
      if (certificate !== undefined && 'setSecureContext' in server) server.setSecureContext({ cert: certificate.cert, key: certificate.key });
    },
  };
}
