import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A loopback HTTP server whose every request is answered by `handle`; the base of the Conduit and Grafana stand-ins. */
export async function startHttpStandIn(handle: (request: StandInRequest) => { status: number; json: unknown }, port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const answer = handle({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A stand-in for an outside service: records every call, answers through `answer`, and fails the
 * next n calls on demand (failNext) with `failure`, as the service behind a restarting proxy would.
 */
export abstract class FailingStandIn {
  readonly calls: StandInRequest[] = [];
  private failures = 0;
  private server: { url: string; close: () => Promise<void> } | undefined;

  constructor(
    readonly token: string,
    private readonly failure: { status: number; json: unknown },
  ) {}

  get url(): string {
    if (this.server === undefined) throw new Error(`${this.constructor.name} not started`);
    return this.server.url;
  }

  /** `port` brings a stopped stand-in back where it was (0: any free port). */
  async start(port = 0): Promise<this> {
    this.server = await startHttpStandIn((request) => {
      this.calls.push(request);
      if (this.failures === 0) return this.answer(request);
      this.failures -= 1;
      return this.failure;
    }, port);
    return this;
  }

  failNext(count: number): void {
    this.failures = count;
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  protected abstract answer(request: StandInRequest): { status: number; json: unknown };
}
