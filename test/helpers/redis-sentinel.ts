import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import type { SentinelAddress } from '../../config/redis-settings.js';
import { createRedisConnection } from '../../jobs/redis-connection.js';
import { freePort } from './free-port.js';

const SERVER = '/usr/bin/redis-server';
/** What Debian's redis-sentinel package installs; `redis-server --sentinel` is the same program. */
const SENTINEL = '/usr/bin/redis-sentinel';
export const SENTINEL_NAME = 'cutover';
const PASSWORD = 'sentinel-test-password';
const READY_MS = 20_000;
const FAILOVER_MS = 30_000;

interface Child {
  port: number;
  process: ResultPromise;
  output(): string;
}

export interface SentinelGroup {
  readonly name: string;
  readonly password: string;
  readonly sentinels: SentinelAddress[];
  /** The port of the server the sentinels name primary now. */
  primaryPort(): Promise<number>;
  /** A client that follows the primary as the bot's do (for the test's own reads). */
  client(): Redis;
  /**
   * `SENTINEL FAILOVER`: the replica is promoted and the old primary follows it. Resolves with the
   * new primary's port and how long the promotion took, as soon as every sentinel names it.
   */
  failover(): Promise<{ port: number; ms: number }>;
  /** SIGKILL of the primary, which stays dead; resolves once the sentinels have promoted the replica. */
  killPrimary(): Promise<{ port: number; ms: number }>;
  /**
   * Until the primary has a replica in sync: after `failover()` the old primary is turned into one
   * a moment later, and until then the new primary's writes live on it alone.
   */
  replicaInSync(): Promise<void>;
  /** Every process's last output, for failure messages. */
  logs(): string;
  dispose(): Promise<void>;
}

/**
 * A primary, a replica and three sentinels on free loopback ports in a temp dir, with a password,
 * AOF on, and sentinels quick to act (down after 1 s) so a test sees a failover in seconds. Missing
 * binaries fail the test: a skipped failover test proves nothing.
 */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  if (!existsSync(SERVER)) throw new Error(`the Sentinel failover test needs ${SERVER} (apt-get install redis-server redis-sentinel).`);
  const sentinelCommand = existsSync(SENTINEL) ? { file: SENTINEL, args: [] } : { file: SERVER, args: ['--sentinel'] };
  const dir = await mkdtemp(join(tmpdir(), 'cutover-sentinel-'));
  const children: Child[] = [];
  const dispose = async (): Promise<void> => {
    for (const child of children) child.process.kill('SIGKILL');
    await Promise.all(children.map((child) => child.process));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const primary = await startServer(dir, children, undefined);
    await startServer(dir, children, primary.port);
    const sentinels: Child[] = [];
    for (let index = 0; index < 3; index += 1) sentinels.push(await startSentinel(dir, children, sentinelCommand, primary.port));
    const addresses = sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port }));
    await until('the replica to sync and the sentinels to know each other and the replica', READY_MS, async () => {
      if (!(await inSync(primary.port))) return false;
      const views = await Promise.all(sentinels.map((sentinel) => onPort(sentinel.port, async (redis) => ({ peers: await redis.call('SENTINEL', 'sentinels', SENTINEL_NAME), replicas: await redis.call('SENTINEL', 'replicas', SENTINEL_NAME) }), false)));
      return views.every((view) => Array.isArray(view.peers) && view.peers.length === 2 && Array.isArray(view.replicas) && view.replicas.length === 1);
    }, () => outputs(children));

    const primaryPort = async (): Promise<number> => {
      for (const sentinel of sentinels) {
        const reply = await onPort(sentinel.port, (redis) => redis.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_NAME), false).catch(() => undefined);
        if (Array.isArray(reply)) return Number(reply[1]);
      }
      throw new Error(`no sentinel names a primary:\n${outputs(children)}`);
    };
    /** Every sentinel names `from`'s successor, and it says it is a primary. */
    const promoted = async (from: number, started: number): Promise<{ port: number; ms: number }> => {
      let port = from;
      await until(`the sentinels to promote a replica in place of ${from}`, FAILOVER_MS, async () => {
        const named = await Promise.all(sentinels.map((sentinel) => onPort(sentinel.port, (redis) => redis.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_NAME), false).catch(() => undefined)));
        const ports = new Set(named.map((reply) => (Array.isArray(reply) ? Number(reply[1]) : from)));
        port = [...ports][0] ?? from;
        if (ports.size !== 1 || port === from) return false;
        const role = await onPort(port, (redis) => redis.call('ROLE')).catch(() => undefined);
        return Array.isArray(role) && role[0] === 'master';
      }, () => outputs(children));
      return { port, ms: Date.now() - started };
    };

    return {
      name: SENTINEL_NAME,
      password: PASSWORD,
      sentinels: addresses,
      primaryPort,
      client: () => createRedisConnection({ kind: 'sentinel', sentinels: addresses, name: SENTINEL_NAME, password: PASSWORD, db: 0 }, 'worker', () => undefined),
      async failover() {
        const from = await primaryPort();
        const started = Date.now();
        const sentinel = sentinels[0];
        if (sentinel === undefined) throw new Error('no sentinel');
        await onPort(sentinel.port, (redis) => redis.call('SENTINEL', 'FAILOVER', SENTINEL_NAME), false);
        return promoted(from, started);
      },
      async replicaInSync() {
        const port = await primaryPort();
        await until(`a replica of ${port} in sync`, FAILOVER_MS, () => inSync(port), () => outputs(children));
      },
      async killPrimary() {
        const from = await primaryPort();
        const child = children.find((candidate) => candidate.port === from);
        if (child === undefined) throw new Error(`no server of ours on ${from}`);
        const started = Date.now();
        child.process.kill('SIGKILL');
        await child.process;
        return promoted(from, started);
      },
      logs: () => outputs(children),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

async function startServer(dir: string, children: Child[], primaryPort: number | undefined): Promise<Child> {
  const port = await freePort();
  const data = join(dir, `redis-${port}`);
  await mkdir(data);
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', data, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--requirepass', PASSWORD, '--masterauth', PASSWORD, '--maxmemory-policy', 'noeviction'];
  if (primaryPort !== undefined) args.push('--replicaof', '127.0.0.1', String(primaryPort));
  const child = spawn(SERVER, args, port, children);
  await until(`redis-server on ${port} to answer`, READY_MS, async () => (await onPort(port, (redis) => redis.ping())) === 'PONG', () => child.output());
  return child;
}

async function startSentinel(dir: string, children: Child[], command: { file: string; args: string[] }, primaryPort: number): Promise<Child> {
  const port = await freePort();
  const conf = join(dir, `sentinel-${port}.conf`);
  // Sentinel rewrites its file with what it learns (peers, replicas, the new primary): it must be its own and writable.
  await writeFile(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primaryPort} 2`,
      `sentinel auth-pass ${SENTINEL_NAME} ${PASSWORD}`,
      `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
      `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
      `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn(command.file, [...command.args, conf], port, children);
  await until(`redis-sentinel on ${port} to answer`, READY_MS, async () => (await onPort(port, (redis) => redis.ping(), false)) === 'PONG', () => child.output());
  return child;
}

function spawn(file: string, args: string[], port: number, children: Child[]): Child {
  let output = '';
  const process = execa(file, args, { stdin: 'ignore', all: true, buffer: false, reject: false, cleanup: true });
  process.all?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const child = { port, process, output: () => output };
  children.push(child);
  return child;
}

/** The server at `port` has a replica that has caught up. */
async function inSync(port: number): Promise<boolean> {
  return /slave0:.*state=online/.test(await onPort(port, (redis) => redis.info('replication')));
}

/** One command on a short-lived connection to a server (with the password) or a sentinel (without). */
async function onPort<T>(port: number, use: (redis: Redis) => Promise<T>, withPassword = true): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, ...(withPassword ? { password: PASSWORD } : {}), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, connectTimeout: 500 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>, details: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}:\n${details()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function outputs(children: readonly Child[]): string {
  return children.map((child) => `--- port ${child.port}:\n${child.output()}`).join('\n');
}
