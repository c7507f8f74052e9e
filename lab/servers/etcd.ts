import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { findBinary } from './find-binary.js';
import { freePort } from './free-port.js';

export interface EtcdServer {
  /** Client URL, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  readonly dir: string;
  /** The ports it was given, so a restart can come back on the same ones. */
  readonly clientPort: number;
  readonly peerPort: number;
  /** Set when started with auth: root's credentials, for test setup that must bypass the role. */
  readonly root: { username: string; password: string } | undefined;
  /** What etcd printed so far, for failure messages. */
  output(): string;
  /** Kills etcd and removes its directory unless the caller owns it (`dir` given); safe to call twice. */
  stop(): Promise<void>;
}

export interface EtcdServerOptions {
  /** Turn on etcd v2 auth with this user, allowed to read and write /conftool/* only. */
  auth?: { username: string; password: string };
  /**
   * A directory the caller owns: the data lives in `<dir>/etcd` and survives stop(), so etcd can
   * be started again on the same data (the lab's "etcd restarted mid-wave" rehearsal).
   */
  dir?: string;
  /** Fixed ports, for a restart on the same URL; free ones otherwise. */
  clientPort?: number;
  peerPort?: number;
}

/** The etcd binary. Missing means the tests fail: a skipped conftool suite would look green and prove nothing. */
export function etcdBinary(): string {
  return findBinary('etcd', 'conftool integration tests and the lab need etcd 3.4 (Debian etcd-server) and found no etcd binary in /usr/bin or PATH: apt-get install etcd-server (npm run test:all does it).');
}

/**
 * A private etcd on two loopback ports and a data dir, serving the v2 keys API
 * (`--enable-v2=true`: without it etcd 3.4 answers 404 on /v2/keys). Resolves once /health says so.
 */
export async function startEtcd(options: EtcdServerOptions = {}): Promise<EtcdServer> {
  const binary = etcdBinary();
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cutover-etcd-')));
  const clientPort = options.clientPort ?? (await freePort());
  const peerPort = options.peerPort ?? (await freePort());
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child: ResultPromise = execa(
    binary,
    [
      '--name', 't',
      '--data-dir', join(dir, 'etcd'),
      '--enable-v2=true',
      '--listen-client-urls', url,
      '--advertise-client-urls', url,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `t=${peer}`,
      '--log-level', 'warn',
    ],
    { reject: false, all: true, stdin: 'ignore', buffer: false, cleanup: true },
  );
  let output = '';
  child.all?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  let exited = false;
  const done = child.then(() => {
    exited = true;
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
    if (ownsDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(url, () => exited, () => output);
    const root = options.auth === undefined ? undefined : await enableAuth(url, options.auth);
    return { url, dir, clientPort, peerPort, root, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForHealth(url: string, hasExited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`etcd exited before it was healthy:\n${output()}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await response.json()) as { health?: unknown };
      if (body.health === 'true') return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`etcd did not become healthy at ${url} within 15 s:\n${output()}`);
}

/** etcd v2 auth as production runs it: a root user, the guest role stripped, one user allowed /conftool/*. */
async function enableAuth(url: string, user: { username: string; password: string }): Promise<{ username: string; password: string }> {
  const root = { username: 'root', password: randomBytes(8).toString('hex') };
  const basic = `Basic ${Buffer.from(`${root.username}:${root.password}`).toString('base64')}`;
  const call = async (path: string, body: unknown, auth: boolean): Promise<void> => {
    const response = await fetch(`${url}/v2/auth${path}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: basic } : {}) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`etcd auth setup ${path} failed: ${response.status} ${await response.text()}`);
  };
  await call('/users/root', { user: 'root', password: root.password }, false);
  await call(`/users/${user.username}`, { user: user.username, password: user.password }, false);
  await call('/enable', undefined, true);
  await call('/roles/guest', { role: 'guest', revoke: { kv: { read: ['/*'], write: ['/*'] } } }, true);
  await call('/roles/conftool', { role: 'conftool', permissions: { kv: { read: ['/conftool/*'], write: ['/conftool/*'] } } }, true);
  await call(`/users/${user.username}`, { user: user.username, grant: ['conftool'] }, true);
  return root;
}
