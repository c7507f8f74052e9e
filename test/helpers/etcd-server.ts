import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { freePort } from './free-port.js';

export interface EtcdServer {
  /** Client URL, e.g. http://127.0.0.1:40123. */
  readonly url: string;
  readonly dir: string;
  /** Set when started with auth: root's credentials, for test setup that must bypass the role. */
  readonly root: { username: string; password: string } | undefined;
  /** What etcd printed so far, for failure messages. */
  output(): string;
  /** Kills etcd and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface EtcdServerOptions {
  /** Turn on etcd v2 auth with this user, allowed to read and write /conftool/* only. */
  auth?: { username: string; password: string };
}

const CANDIDATES = ['/usr/bin/etcd', ...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, 'etcd'))];

/** The etcd binary. Missing means the tests fail: a skipped conftool suite would look green and prove nothing. */
export function etcdBinary(): string {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error('conftool integration tests need etcd 3.4 (Debian etcd-server) and found no etcd binary in /usr/bin or PATH: apt-get install etcd-server (npm run test:all does it).');
  }
  return found;
}

export { freePort };

/**
 * A private etcd on two free loopback ports and a temp data dir, serving the v2 keys API
 * (`--enable-v2=true`: without it etcd 3.4 answers 404 on /v2/keys). Resolves once /health says so.
 */
export async function startEtcd(options: EtcdServerOptions = {}): Promise<EtcdServer> {
  const binary = etcdBinary();
  const dir = await mkdtemp(join(tmpdir(), 'cutover-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
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
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(url, () => exited, () => output);
    const root = options.auth === undefined ? undefined : await enableAuth(url, options.auth);
    return { url, dir, root, output: () => output, stop };
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

/** Raw access to the v2 keys API, the way conftool or another operator would write. */
export class EtcdKeys {
  constructor(
    private readonly url: string,
    private readonly auth?: { username: string; password: string },
  ) {}

  private headers(): Record<string, string> {
    return this.auth === undefined ? {} : { Authorization: `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}` };
  }

  /** Writes a key unconditionally (or with the given conditions) and returns its new modifiedIndex. */
  async put(key: string, value: string, conditions: Record<string, string> = {}): Promise<number> {
    const response = await fetch(`${this.url}/v2/keys${key}`, { method: 'PUT', headers: this.headers(), body: new URLSearchParams({ value, ...conditions }) });
    const body = (await response.json()) as { node?: { modifiedIndex?: number } };
    if (!response.ok || typeof body.node?.modifiedIndex !== 'number') throw new Error(`PUT ${key} failed: ${response.status} ${JSON.stringify(body)}`);
    return body.node.modifiedIndex;
  }

  /** The raw stored string and index, or undefined. */
  async get(key: string): Promise<{ value: string; modifiedIndex: number } | undefined> {
    const response = await fetch(`${this.url}/v2/keys${key}?quorum=true`, { headers: this.headers() });
    if (response.status === 404) return undefined;
    const body = (await response.json()) as { node?: { value?: string; modifiedIndex?: number } };
    if (!response.ok || typeof body.node?.value !== 'string' || typeof body.node.modifiedIndex !== 'number') throw new Error(`GET ${key} failed: ${response.status} ${JSON.stringify(body)}`);
    return { value: body.node.value, modifiedIndex: body.node.modifiedIndex };
  }

  /** Removes a whole tree, e.g. /conftool between tests. */
  async removeTree(key: string): Promise<void> {
    const response = await fetch(`${this.url}/v2/keys${key}?recursive=true`, { method: 'DELETE', headers: this.headers() });
    if (!response.ok && response.status !== 404) throw new Error(`DELETE ${key} failed: ${response.status} ${await response.text()}`);
  }
}
