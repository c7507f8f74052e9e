import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG_PATH, parseConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'bot/cli.ts');
const SHIPPED_PLAN = join(ROOT, 'config/plans/kartotherian.yaml');

type Yaml = Record<string, unknown>;

export interface TestConfigFile {
  dir: string;
  path: string;
  /** The same file, parsed: what the in-process gateway runs. */
  config: Config;
  remove(): Promise<void>;
}

/**
 * The shipped config with this test's Redis prefix, written to a file a child process can load.
 * `edit` changes the raw YAML tree (the schema's input), so defaults still come from the schema.
 */
export async function writeTestConfig(prefix: string, edit: (yaml: Yaml) => void = () => undefined): Promise<TestConfigFile> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-fault-'));
  const yaml = parse(await readFile(DEFAULT_CONFIG_PATH, 'utf8')) as Yaml;
  yaml['redis'] = { prefix, autostart: false };
  yaml['state_dir'] = join(dir, 'state');
  const plans = yaml['plans'] as Record<string, Yaml>;
  for (const plan of Object.values(plans)) plan['file'] = SHIPPED_PLAN;
  edit(yaml);
  const text = stringify(yaml);
  const path = join(dir, 'config.yaml');
  await writeFile(path, text);
  return { dir, path, config: parseConfig(text, path), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Sets `backends.simulation.<key>` (the block every service shares) in a raw config tree. */
export function setSimulation(yaml: Yaml, key: string, value: unknown): void {
  const backends = yaml['backends'] as Record<string, Yaml>;
  backends['simulation'] = { ...backends['simulation'], [key]: value };
}

/** Sets the plan's time_scale in a raw config tree. */
export function setPlanTimeScale(yaml: Yaml, timeScale: number): void {
  const plans = yaml['plans'] as Record<string, Yaml>;
  for (const plan of Object.values(plans)) plan['time_scale'] = timeScale;
}

export interface BotProcess {
  readonly pid: number;
  /** stderr so far (the bot's logs), for failure messages. */
  logs(): string;
  /** SIGKILL, and resolves once the process is gone: no `finally`, no graceful close. */
  crash(): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s) and wait; safe to call on a dead process. */
  stop(): Promise<void>;
  /** SIGSTOP: the process stays, its event loop frozen (a stalled VM, a long pause), until wake(). */
  stall(): void;
  /** SIGCONT after stall(). */
  wake(): void;
}

/**
 * `cutover --role worker` as its own process. Run as `node --import tsx` rather than through
 * npx or the tsx binary: those wrap node in a second process, and a SIGKILL to the wrapper would
 * leave the real worker running.
 */
export function startWorkerProcess(configPath: string, redisUrl: string): BotProcess {
  return startBotProcess(configPath, redisUrl, { role: 'worker' });
}

/** A whole bot as its own process (`--role all` by default), with extra environment (tokens, CUTOVER_INSTANCE). */
export function startBotProcess(configPath: string, redisUrl: string, options: { role?: 'all' | 'gateway' | 'worker'; env?: Record<string, string> } = {}): BotProcess & { signal(name: NodeJS.Signals): void } {
  const child: ResultPromise = execa(process.execPath, ['--import', 'tsx', CLI, '--config', configPath, '--role', options.role ?? 'all'], {
    cwd: ROOT,
    env: { REDIS_URL: redisUrl, LOG_LEVEL: 'warn', ...options.env },
    stdin: 'ignore',
    stdout: 'ignore',
    reject: false,
    buffer: false,
    cleanup: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  let exited = false;
  const done = child.then(() => {
    exited = true;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the bot process did not start');
  return {
    pid,
    logs: () => stderr,
    signal: (name) => {
      if (!exited) child.kill(name);
    },
    async crash() {
      if (!exited) child.kill('SIGKILL');
      await done;
    },
    stall() {
      if (!exited) child.kill('SIGSTOP');
    },
    wake() {
      if (!exited) child.kill('SIGCONT');
    },
    async stop() {
      if (exited) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}
