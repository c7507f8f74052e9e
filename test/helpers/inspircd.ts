import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { freePort } from './free-port.js';

/** InspIRCd's <connect> flood knobs; the defaults are the server's own (and Debian's shipped config). */
export interface FloodSettings {
  /** Command penalty (x1000) a client may hold before fakelag or "Excess Flood" kicks in. */
  threshold: number;
  /** How much penalty drains per second. */
  commandrate: number;
  /** yes: over-threshold commands are delayed; no: the client is killed with "Excess Flood". */
  fakelag: boolean;
  /** Bytes a client may have unprocessed in its receive queue before "RecvQ exceeded". */
  recvq: number;
}

export const DEFAULT_FLOOD: FloodSettings = { threshold: 10, commandrate: 1000, fakelag: true, recvq: 8192 };

export interface InspircdOptions {
  flood?: Partial<FloodSettings>;
  /** Also listen with TLS (ssl_gnutls) on a second port, with this PEM certificate and key. */
  tls?: { certFile: string; keyFile: string };
}

export interface Inspircd {
  readonly host: string;
  readonly port: number;
  /** Set when options.tls was given. */
  readonly tlsPort: number | undefined;
  readonly dir: string;
  /** The server's log so far, for failure messages. */
  log(): Promise<string>;
  /** Stops the server; the ports stay reserved for restart(). */
  stop(): Promise<void>;
  /** Starts it again on the same ports, with the same config. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/inspircd', ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'inspircd'))];

/**
 * The path of the inspircd binary. Missing means the test fails: a skipped IRC suite would look
 * green in CI and prove nothing.
 */
export function inspircdBinary(): string {
  const found = CANDIDATES.find((path) => path !== 'inspircd' && existsSync(path));
  if (found === undefined) {
    throw new Error('IRC integration tests need InspIRCd 3 and found no inspircd binary (/usr/sbin or PATH): apt-get install inspircd (npm run test:all does it).');
  }
  return found;
}

export { freePort };

/** Starts a private InspIRCd on free loopback ports, in a temporary directory, and waits until it accepts. */
export async function startInspircd(options: InspircdOptions = {}): Promise<Inspircd> {
  const binary = inspircdBinary();
  const dir = await mkdtemp(join(tmpdir(), 'cutover-ircd-'));
  const port = await freePort();
  const tlsPort = options.tls === undefined ? undefined : await freePort();
  const flood = { ...DEFAULT_FLOOD, ...options.flood };
  const configPath = join(dir, 'inspircd.conf');
  await writeFile(configPath, inspircdConfig({ dir, port, tlsPort, flood, tls: options.tls }));
  const logPath = join(dir, 'ircd.log');
  let child: ResultPromise | undefined;

  const start = async (): Promise<void> => {
    // --nofork keeps it our child (so stop() is a kill), --runasroot because CI runs as root.
    const running = execa(binary, ['--config', configPath, '--nofork', '--runasroot'], { reject: false, all: true, stdin: 'ignore', cwd: dir });
    child = running;
    const exited = running.then((result) => result);
    const ready = waitForAccept(port, 10_000);
    const first = await Promise.race([ready.then(() => 'ready' as const), exited.then(() => 'exited' as const)]);
    if (first === 'exited') {
      const result = await exited;
      throw new Error(`inspircd exited (${String(result.exitCode)}) before accepting on ${port}:\n${String(result.all)}\n${await readLog(logPath)}`);
    }
    if (tlsPort !== undefined) await waitForAccept(tlsPort, 10_000);
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined) return;
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    // InspIRCd exits with status 10 on SIGTERM: that is its normal shutdown, not a failure.
    await running;
    clearTimeout(timer);
  };

  await start();
  return {
    host: '127.0.0.1',
    port,
    tlsPort,
    dir,
    log: () => readLog(logPath),
    stop,
    async restart() {
      await stop();
      await start();
    },
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function readLog(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => '(no log)');
}

function waitForAccept(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', (error) => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing accepted on 127.0.0.1:${port} within ${timeoutMs} ms: ${error.message}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

interface ConfigInput {
  dir: string;
  port: number;
  tlsPort: number | undefined;
  flood: FloodSettings;
  tls: InspircdOptions['tls'];
}

/**
 * A minimal InspIRCd 3 config. Paths are absolute and sizes are plain bytes ("1M" parses as
 * 8 bytes and drops every client). localmax/globalmax are high because every test client comes
 * from 127.0.0.1.
 */
export function inspircdConfig({ dir, port, tlsPort, flood, tls }: ConfigInput): string {
  const lines = [
    '<server name="irc.test.local" description="cutover test" network="TestNet">',
    '<admin name="t" nick="t" email="t@example.invalid">',
    `<bind address="127.0.0.1" port="${port}" type="clients">`,
    `<connect allow="*" sendq="1048576" softsendq="1048576" hardsendq="1048576" recvq="${flood.recvq}" threshold="${flood.threshold}" commandrate="${flood.commandrate}" fakelag="${flood.fakelag ? 'yes' : 'no'}" localmax="200" globalmax="200" resolvehostnames="no" useident="no" timeout="30" pingfreq="120">`,
    '<module name="cap">',
    '<module name="ircv3">',
    '<module name="ircv3_ctctags">',
    '<module name="ircv3_msgid">',
    '<module name="ircv3_echomessage">',
    '<module name="ircv3_servertime">',
    '<module name="services_account">',
    '<module name="ircv3_accounttag">',
    `<pid file="${join(dir, 'inspircd.pid')}">`,
    `<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${join(dir, 'ircd.log')}">`,
    '<security runasuser="" runasgroup="">',
    '<options prefixquit="Quit: ">',
    '<dns server="127.0.0.1" timeout="1">',
  ];
  if (tls !== undefined && tlsPort !== undefined) {
    lines.push(
      '<module name="ssl_gnutls">',
      `<sslprofile name="tls" provider="gnutls" certfile="${tls.certFile}" keyfile="${tls.keyFile}" dhfile="" hash="sha256" requestclientcert="no">`,
      `<bind address="127.0.0.1" port="${tlsPort}" type="clients" sslprofile="tls">`,
    );
  }
  return `${lines.join('\n')}\n`;
}
