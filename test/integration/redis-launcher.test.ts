import { execa } from 'execa';
import { Redis } from 'ioredis';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureRedis, type EnsuredRedis } from '../../bot/redis-launcher.js';
import { CutoverError } from '../../core/errors.js';
import { requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';

/** A loopback URL where, a moment ago, nothing was listening. */
async function closedPortUrl(): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const free = address !== null && typeof address === 'object' ? address.port : 0;
      server.close(() => resolve(free));
    });
  });
  return `redis://127.0.0.1:${port}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function serverPid(redis: Redis): Promise<number> {
  const info = await redis.info('server');
  const match = /^process_id:(\d+)/m.exec(info);
  if (!match?.[1]) throw new Error(`no process_id in INFO server:\n${info}`);
  return Number(match[1]);
}

describe('ensureRedis', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function tempStateDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'cutover-redis-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  async function ensure(options: Parameters<typeof ensureRedis>[0]): Promise<EnsuredRedis> {
    const redis = await ensureRedis(options);
    cleanups.push(() => redis.stop());
    return redis;
  }

  async function connect(url: string): Promise<Redis> {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    // The refused strangers' clients report their NOAUTH here too; the assertions look at the commands.
    client.on('error', () => undefined);
    cleanups.push(async () => {
      client.disconnect();
    });
    return client;
  }

  describe('with a Redis already answering', () => {
    beforeAll(requireRedis);

    it('uses it and starts nothing', async () => {
      const lines: string[] = [];
      const redis = await ensure({ url: TEST_REDIS_URL, autostart: true, stateDir: await tempStateDir(), log: (line) => lines.push(line) });
      expect(redis).toMatchObject({ url: TEST_REDIS_URL, started: false });
      await redis.stop();
      expect(lines).toEqual([]);
    });
  });

  describe('with nothing answering', () => {
    beforeAll(async () => {
      // These tests are the point of the launcher: a machine without redis-server must fail them, not skip them.
      const version = await execa('redis-server', ['--version'], { reject: false });
      if (version.exitCode !== 0) throw new Error('redis-server is not installed (apt-get install redis-server); the launcher tests need it.');
    });

    it('starts a private redis-server whose data survives a stop and a second start', async () => {
      const stateDir = await tempStateDir();
      const url = await closedPortUrl();
      const lines: string[] = [];

      const first = await ensure({ url, autostart: true, stateDir, log: (line) => lines.push(line) });
      expect(first.started).toBe(true);
      expect(first.url).toMatch(/^redis:\/\/:[0-9a-f]{48}@127\.0\.0\.1:\d+$/);
      expect(lines.join('\n')).not.toContain(new URL(first.url).password);
      expect(first.url).not.toBe(url);
      expect(lines.join('\n')).toContain(join(stateDir, 'redis'));

      const client = await connect(first.url);
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(expect.arrayContaining(['noeviction']));
      await client.set('cutover:launcher-test', 'kept');
      const pid = await serverPid(client);
      client.disconnect();

      await first.stop();
      expect(isAlive(pid)).toBe(false);
      await first.stop(); // idempotent

      const second = await ensure({ url, autostart: true, stateDir });
      expect(second.started).toBe(true);
      const again = await connect(second.url);
      expect(await again.get('cutover:launcher-test')).toBe('kept');
      const secondPid = await serverPid(again);
      again.disconnect();
      await second.stop();
      expect(isAlive(secondPid)).toBe(false);
    });

    it('shares a private server that is already serving the same state dir instead of starting a second one', async () => {
      const stateDir = await tempStateDir();
      const url = await closedPortUrl();
      const owner = await ensure({ url, autostart: true, stateDir });
      const other = await ensure({ url, autostart: true, stateDir });
      expect(other).toMatchObject({ url: owner.url, started: false });
      await other.stop();
      const client = await connect(owner.url);
      expect(await client.ping()).toBe('PONG');
    });

    it('left running by the instance that started it while a second instance still uses it (a standby on a laptop)', async () => {
      const stateDir = await tempStateDir();
      const url = await closedPortUrl();
      const lines: string[] = [];
      const owner = await ensure({ url, autostart: true, stateDir, log: (line) => lines.push(line) });
      const standby = await ensure({ url, autostart: true, stateDir });
      expect(standby.started).toBe(false);
      const standbyClient = await connect(standby.url);
      const pid = await serverPid(standbyClient);
      await owner.stop();
      expect(lines.at(-1)).toMatch(/Leaving the private redis-server at .* running: 1 other connection\(s\) use it\./);
      expect(isAlive(pid)).toBe(true);
      expect(await standbyClient.ping()).toBe('PONG');
      await standbyClient.shutdown('NOSAVE').catch(() => undefined);
    });

    it('protects the private server with a password it generates: a local user without it is refused, and the password stays 0600', async () => {
      const stateDir = await tempStateDir();
      const url = await closedPortUrl();
      const lines: string[] = [];
      const owner = await ensure({ url, autostart: true, stateDir, log: (line) => lines.push(line) });
      const { password, port } = new URL(owner.url);
      expect(password).toMatch(/^[0-9a-f]{48}$/);
      expect((await readFile(join(stateDir, 'redis', 'redis.password'), 'utf8')).trim()).toBe(password);
      expect((await stat(join(stateDir, 'redis', 'redis.password'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(stateDir, 'redis', 'redis.conf'))).mode & 0o777).toBe(0o600);
      expect(lines.join('\n')).not.toContain(password);

      // The attacker: another local user who found the port, with no password or a guessed one.
      const stranger = await connect(`redis://127.0.0.1:${port}`);
      await expect(stranger.set('cutover:approved', 'forged')).rejects.toThrow(/NOAUTH/);
      await expect(stranger.call('CONFIG', 'GET', 'requirepass')).rejects.toThrow(/NOAUTH/);
      const guesser = await connect(`redis://:guess@127.0.0.1:${port}`);
      await expect(guesser.get('cutover:approved')).rejects.toThrow();
      expect(await (await connect(owner.url)).get('cutover:approved')).toBeNull();
      // The password is not on the command line, where `ps` would show it to every local user.
      const pid = await serverPid(await connect(owner.url));
      expect(await readFile(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(password);

      // A second start of the same state dir keeps the password, so the data stays reachable.
      await owner.stop();
      const again = await ensure({ url, autostart: true, stateDir });
      expect(new URL(again.url).password).toBe(password);
    });

    it('adopts a private server an earlier version left running without a password, and locks it', async () => {
      const stateDir = await tempStateDir();
      const dir = join(stateDir, 'redis');
      await mkdir(dir, { recursive: true });
      const port = Number(new URL(await closedPortUrl()).port);
      const old = execa('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'], { reject: false, stdout: 'ignore', stderr: 'ignore' });
      cleanups.push(async () => {
        old.kill('SIGTERM');
        await old;
      });
      const before = await connect(`redis://127.0.0.1:${port}`);
      for (let tries = 0; tries < 100 && (await before.ping().catch(() => '')) !== 'PONG'; tries += 1) await new Promise((resolve) => setTimeout(resolve, 50));
      await before.set('cutover:kept', 'yes');
      before.disconnect();
      await writeFile(join(dir, 'redis.port'), `${port}\n`);

      const adopted = await ensure({ url: await closedPortUrl(), autostart: true, stateDir });
      expect(adopted).toMatchObject({ started: false });
      expect(new URL(adopted.url).port).toBe(String(port));
      const owner = await connect(adopted.url);
      expect(await owner.get('cutover:kept')).toBe('yes');
      const stranger = await connect(`redis://127.0.0.1:${port}`);
      await expect(stranger.get('cutover:kept')).rejects.toThrow(/NOAUTH/);
    });

    it('reports a missing redis-server as redis.unavailable with the install command', async () => {
      const url = await closedPortUrl();
      const attempt = ensureRedis({ url, autostart: true, stateDir: await tempStateDir(), redisServerBinary: 'cutover-no-such-redis-server' });
      await expect(attempt).rejects.toBeInstanceOf(CutoverError);
      await expect(attempt).rejects.toMatchObject({ code: 'redis.unavailable', message: expect.stringContaining('apt-get install redis-server') as unknown });
      await expect(attempt).rejects.toThrow(`Nothing answers at ${url}`);
    });

    it('with autostart off, says to set REDIS_URL or enable redis.autostart', async () => {
      const url = await closedPortUrl();
      const attempt = ensureRedis({ url, autostart: false, stateDir: await tempStateDir() });
      await expect(attempt).rejects.toMatchObject({ code: 'redis.unavailable' });
      await expect(attempt).rejects.toThrow(/set REDIS_URL .* enable redis\.autostart/);
    });

    it('never replaces a non-loopback Redis with a private one, and keeps the password out of the message', async () => {
      // Port 1 on a TEST-NET address: nothing there, whatever the network.
      const attempt = ensureRedis({ url: 'redis://:hunter2@192.0.2.1:1', autostart: true, stateDir: await tempStateDir() });
      await expect(attempt).rejects.toMatchObject({ code: 'redis.unavailable' });
      await expect(attempt).rejects.toThrow('redis://:***@192.0.2.1:1');
      await expect(attempt).rejects.not.toThrow('hunter2');
    });
  });
});
