import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

const SERVER = '/usr/bin/redis-server';
const CLI = '/usr/bin/redis-cli';

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** `redis-cli shutdown`: the AOF is fsynced, the server exits, the port goes quiet. */
  shutdown(): Promise<void>;
  /** Starts the server again on the same port and directory, from its AOF. */
  restart(): Promise<void>;
  /** Kills the server and removes its directory; safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * A redis-server of the test's own, durable to the last write (AOF, fsync always), so it can be
 * stopped and started under a running bot. Missing redis-server fails the test: a skipped outage
 * test proves nothing.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  if (!existsSync(SERVER) || !existsSync(CLI)) throw new Error(`the Redis restart test needs ${SERVER} and ${CLI} (apt-get install redis-server).`);
  const dir = await mkdtemp(join(tmpdir(), 'cutover-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ResultPromise | undefined;
  let output = '';

  const start = async (): Promise<void> => {
    output = '';
    const child = execa(SERVER, ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no'], {
      stdin: 'ignore',
      all: true,
      buffer: false,
      reject: false,
      cleanup: true,
    });
    child.all?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-10_000);
    });
    server = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (await answers(url)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${port}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const stopServer = async (): Promise<void> => {
    const child = server;
    server = undefined;
    if (child === undefined) return;
    await execa(CLI, ['-p', String(port), 'shutdown'], { reject: false, timeout: 5000 });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await child;
    clearTimeout(timer);
  };

  await start();
  return {
    url,
    port,
    dir,
    shutdown: stopServer,
    restart: start,
    async dispose() {
      await stopServer();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 500 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
