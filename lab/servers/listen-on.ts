import type { Server, Socket } from 'node:net';

export interface Listening {
  readonly address: string;
  readonly port: number;
  /** Stops accepting, destroys every open connection (hung ones included) and resolves once closed. */
  close(): Promise<void>;
}

/**
 * Binds a server to a host's own loopback address and production port. Ports below 1024 (443)
 * need root: EACCES becomes a sentence saying so, not a stack trace.
 */
export async function listenOn(server: Server, address: string, port: number, what: string): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EACCES') reject(new Error(`${what}: binding ${address}:${port} needs root (ports below 1024 are privileged): run the lab as root, or give node CAP_NET_BIND_SERVICE`, { cause: error }));
      else if (error.code === 'EADDRINUSE') reject(new Error(`${what}: ${address}:${port} is already in use (is another lab running?)`, { cause: error }));
      else reject(new Error(`${what}: cannot listen on ${address}:${port}: ${error.message}`, { cause: error }));
    };
    server.once('error', failed);
    server.listen(port, address, () => {
      server.off('error', failed);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  const bound = server.address();
  return {
    address,
    // The port it got: the one asked for, or the kernel's pick for 0.
    port: typeof bound === 'object' && bound !== null ? bound.port : port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
