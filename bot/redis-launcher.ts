import { mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type Result } from 'execa';
import { CutoverError } from '../core/errors.js';
import { describeRedisTarget, type RedisTarget } from '../jobs/redis-connection.js';
import { redactRedisUrl } from './redact-url.js';
import { passwordFile, privatePassword, privateUrl, writePrivateConf } from './redis-password.js';
import { checkSentinels, configValue, probeRedis, withClient } from './redis-probe.js';

export interface EnsureRedisOptions {
  url: string;
  /** Start a private redis-server when nothing answers at `url` (loopback URLs only). */
  autostart: boolean;
  /** The private server keeps its data in `<stateDir>/redis`. */
  stateDir: string;
  log?: (line: string) => void;
  redisServerBinary?: string;
}

export interface EnsuredRedis {
  url: string;
  /** True when this call started the server, and so stop() shuts it down. */
  started: boolean;
  stop(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 1500;

/** How long the server may take to notice connections just closed before others are counted. */
const OTHERS_SETTLE_MS = 500;

/** Connections to the server at `url` besides the one asking (0 when it cannot be asked), once ours just closed have gone. */
async function otherClients(url: string): Promise<number> {
  const deadline = Date.now() + OTHERS_SETTLE_MS;
  for (;;) {
    const list = await withClient(url, PROBE_TIMEOUT_MS, async (client) => String(await client.client('LIST'))).catch(() => '');
    const others = Math.max(0, list.split('\n').filter((line) => line.trim() !== '').length - 1);
    if (others === 0 || Date.now() > deadline) return others;
    await sleep(50);
  }
}
const READY_TIMEOUT_MS = 5000;
const READY_POLL_MS = 50;
const STOP_GRACE_MS = 5000;
const PORT_FILE = 'redis.port';
const INSTALL_HINT = 'install it (apt-get install redis-server) or set REDIS_URL to a running Redis';

/** The Redis the bot connects to, once it answers; stop() shuts down a server this process started. */
export interface ReadyRedis {
  target: RedisTarget;
  started: boolean;
  stop(): Promise<void>;
}

/**
 * A sentinel group is checked and never started: the bot does not own a replicated Redis, and an
 * empty local one in its place would hand out locks and approvals nobody else sees. A single
 * server goes through ensureRedis (autostart as configured).
 */
export async function ensureRedisTarget(target: RedisTarget, options: Omit<EnsureRedisOptions, 'url'>): Promise<ReadyRedis> {
  if (target.kind === 'server') {
    const redis = await ensureRedis({ ...options, url: target.url });
    return { target: { kind: 'server', url: redis.url }, started: redis.started, stop: () => redis.stop() };
  }
  const primary = await checkSentinels(target, PROBE_TIMEOUT_MS);
  options.log?.(`Redis: ${describeRedisTarget(target, redactRedisUrl)}, now ${primary}.`);
  return { target, started: false, stop: async () => {} };
}

/**
 * Makes sure a Redis answers, starting a private one when allowed. The private server persists
 * with an append-only file under the state dir, so approvals and locks survive a restart of the
 * bot even though the server comes back on a different port. It asks for a password the launcher
 * generates (kept 0600 in the state dir, handed to the bot inside the URL): any local user can
 * reach a loopback port, and whoever writes to the bot's Redis can forge approvals.
 */
export async function ensureRedis(options: EnsureRedisOptions): Promise<EnsuredRedis> {
  const log = options.log ?? (() => {});
  const shown = redactRedisUrl(options.url);

  const probe = await probeRedis(options.url, PROBE_TIMEOUT_MS);
  if (probe.kind === 'ok') return { url: options.url, started: false, stop: async () => {} };
  if (probe.kind === 'refused') {
    // Something that speaks Redis turned us away (usually a password): starting another server
    // would only hide the misconfiguration behind an empty database.
    throw new CutoverError('redis.unavailable', `Redis at ${shown} refused the connection (${probe.reason}): check the credentials in REDIS_URL.`);
  }
  if (!options.autostart) {
    throw new CutoverError('redis.unavailable', `Nothing answers at ${shown} (${probe.reason}) and redis.autostart is off: set REDIS_URL to a running Redis or enable redis.autostart.`);
  }
  if (!isLoopback(options.url)) {
    // A shared Redis that is down must not be silently replaced by an empty local one: the bot
    // would run without the locks and approvals every other instance sees.
    throw new CutoverError('redis.unavailable', `Nothing answers at ${shown} (${probe.reason}); a private redis-server is only started for a loopback REDIS_URL, so bring that Redis back or point REDIS_URL at one that runs.`);
  }

  const dir = resolve(options.stateDir, 'redis');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const password = await privatePassword(dir);
  const leftover = await findLeftover(dir, password);
  if (leftover) {
    // Another bot process (a gateway next to a worker) or a crashed run already serves this dir.
    // Two servers appending to one AOF would corrupt it, so share it and leave its lifetime alone.
    log(`Nothing answers at ${shown}; using the private redis-server already serving ${dir} at ${redactRedisUrl(leftover)}.`);
    return { url: leftover, started: false, stop: async () => {} };
  }

  const binary = options.redisServerBinary ?? 'redis-server';
  const version = await execa(binary, ['--version'], { reject: false, timeout: 5000, stdin: 'ignore' });
  if (version.exitCode !== 0) {
    throw new CutoverError('redis.unavailable', `Nothing answers at ${shown} (${probe.reason}) and ${binary} is not installed: ${INSTALL_HINT}.`);
  }
  log(`Nothing answers at ${shown}; starting a private redis-server with its data in ${dir}.`);
  return startPrivateServer(binary, dir, password, log);
}

async function startPrivateServer(binary: string, dir: string, password: string, log: (line: string) => void): Promise<EnsuredRedis> {
  const port = await freeLoopbackPort();
  const url = privateUrl(port, password);
  const shown = redactRedisUrl(url);
  const logfile = join(dir, 'redis.log');
  const conf = await writePrivateConf(dir, password);
  const subprocess = execa(
    binary,
    [
      conf,
      '--bind', '127.0.0.1',
      '--port', String(port),
      '--dir', dir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--maxmemory-policy', 'noeviction',
      '--logfile', logfile,
      '--daemonize', 'no',
    ],
    {
      // Its own process group: Ctrl-C in the terminal must reach the bot only, which then drains its
      // jobs against a Redis that is still up and stops the server last.
      detached: true,
      stdin: 'ignore',
      stdout: 'ignore',
      // Startup errors such as a bad option are printed here before the logfile is opened.
      stderr: 'pipe',
      reject: false,
      forceKillAfterDelay: STOP_GRACE_MS,
    },
  );
  let ready = false;
  let stopping = false;
  let exit: Result | undefined;
  const exited = subprocess.then((result) => {
    exit = result;
    // A failed start is reported by the thrown error; this is for the server dying under a running bot.
    if (!ready || stopping) return;
    log(`The private redis-server at ${shown} exited unexpectedly (${describeExit(result)}); see ${logfile}.`);
  });
  // execa's own cleanup is off for detached processes; without this a bot that exits without
  // stop() would leave the server behind (a later run adopts it, but better not to need that).
  const killOnExit = (): void => {
    subprocess.kill('SIGTERM');
  };
  process.on('exit', killOnExit);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exit) {
      process.off('exit', killOnExit);
      throw new CutoverError('redis.unavailable', `The private redis-server exited before answering (${describeExit(exit)}):\n${await failureDetails(exit, logfile)}`);
    }
    if ((await probeRedis(url, 250)).kind === 'ok') break;
    if (Date.now() > deadline) {
      stopping = true;
      process.off('exit', killOnExit);
      subprocess.kill('SIGKILL');
      await exited;
      throw new CutoverError('redis.unavailable', `The private redis-server did not answer at ${shown} within ${READY_TIMEOUT_MS / 1000} s:\n${await failureDetails(exit, logfile)}`);
    }
    await Promise.race([sleep(READY_POLL_MS), exited]);
  }
  ready = true;
  await writeFile(join(dir, PORT_FILE), `${port}\n`);
  log(`Private redis-server answering at ${shown} (password in ${passwordFile(dir)}).`);

  let stopped: Promise<void> | undefined;
  return {
    url,
    started: true,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        process.off('exit', killOnExit);
        // A second instance on this laptop shares the server (a standby, or the leader it handed over
        // to): stopping it would take its Redis away. Ours are closed by now; anyone still connected
        // is another process, which adopts the server as it would a leftover.
        const others = await otherClients(url);
        if (others > 0) {
          log(`Leaving the private redis-server at ${shown} running: ${others} other connection(s) use it.`);
          subprocess.unref();
          return;
        }
        // SIGTERM makes Redis fsync the AOF before exiting; execa follows up with SIGKILL after STOP_GRACE_MS.
        subprocess.kill('SIGTERM');
        await exited;
        await rm(join(dir, PORT_FILE), { force: true });
      })()),
  };
}

/**
 * The URL of a server left running for this dir, if it still answers and really serves this dir.
 * One started by an earlier version without a password is given this dir's password on adoption.
 */
async function findLeftover(dir: string, password: string): Promise<string | undefined> {
  let port: number;
  try {
    port = Number((await readFile(join(dir, PORT_FILE), 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const url = privateUrl(port, password);
  const wanted = await realpath(dir);
  // ioredis goes on without AUTH when the server has no password, so this reaches an older run's server too.
  const adopted = await withClient(url, PROBE_TIMEOUT_MS, async (client) => {
    const servedDir = configValue(await client.call('CONFIG', 'GET', 'dir'));
    // The port may have been reused by an unrelated Redis since; only the one serving our dir will do.
    if (servedDir !== wanted) return false;
    if (configValue(await client.call('CONFIG', 'GET', 'requirepass')) !== password) await client.call('CONFIG', 'SET', 'requirepass', password);
    return true;
  }).catch(() => false);
  return adopted ? url : undefined;
}

function isLoopback(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return false;
  }
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address !== null && typeof address === 'object' ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function describeExit(result: Result): string {
  if (result.signal) return `killed by ${result.signal}`;
  if (result.failed && result.exitCode === undefined) return result.shortMessage ?? 'it could not be run';
  return `exit code ${String(result.exitCode)}`;
}

async function failureDetails(result: Result | undefined, logfile: string): Promise<string> {
  const stderr = typeof result?.stderr === 'string' ? result.stderr.trim() : '';
  const logTail = await readFile(logfile, 'utf8')
    .then((text) => text.trimEnd().split('\n').slice(-15).join('\n'))
    .catch(() => '');
  return [stderr, logTail ? `last lines of ${logfile}:\n${logTail}` : `(no log at ${logfile})`].filter(Boolean).join('\n');
}
