import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HaproxyRuntime } from './haproxy-runtime.js';

export interface HaproxyProcess {
  readonly runtime: HaproxyRuntime;
  readonly configFile: string;
  /** What HAProxy printed, for failure messages. */
  output(): string;
  /** SIGTERM (HAProxy's hard stop), SIGKILL after 5 s; resolves once it exited. Safe twice. */
  stop(): Promise<void>;
}

export interface StartHaproxyOptions {
  dir: string;
  /** Names the files: haproxy-<name>.cfg, haproxy-<name>.sock. */
  name: string;
  /** Builds the config around the stats socket path it is given. */
  config: (socketPath: string) => string;
  binary?: string;
}

const DEFAULT_BINARY = '/usr/sbin/haproxy';

/**
 * Starts Debian's HAProxy in the foreground (`-db`) on a generated config, after `-c` checked it,
 * and resolves once its runtime API answers. A missing binary is an error that says how to get it.
 */
export async function startHaproxy(options: StartHaproxyOptions): Promise<HaproxyProcess> {
  const binary = options.binary ?? DEFAULT_BINARY;
  if (!existsSync(binary)) throw new Error(`The lab's load balancer needs HAProxy at ${binary} and found none: apt-get install haproxy; npm run test:all does it.`);
  const configFile = join(options.dir, `haproxy-${options.name}.cfg`);
  const socketPath = join(options.dir, `haproxy-${options.name}.sock`);
  await mkdir(options.dir, { recursive: true });
  await writeFile(configFile, options.config(socketPath), { mode: 0o600 });
  const check = spawnSync(binary, ['-c', '-q', '-f', configFile], { encoding: 'utf8', timeout: 10_000 });
  if (check.status !== 0) throw new Error(`HAProxy rejected ${configFile}:\n${check.stdout}${check.stderr}`);

  const child = spawn(binary, ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = false;
  const done = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (error) => {
      collect(Buffer.from(String(error)));
      exited = true;
      resolve();
    });
  });
  const stop = async (): Promise<void> => {
    if (!exited) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  };

  const runtime = new HaproxyRuntime(socketPath);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) throw new Error(`HAProxy exited while starting (${configFile}):\n${output}`);
    try {
      if ((await runtime.command(['show info'])).includes('Name: HAProxy')) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`HAProxy's runtime API at ${socketPath} did not answer within 10 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { runtime, configFile, output: () => output, stop };
}
