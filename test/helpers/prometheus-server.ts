import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';

export interface ScrapeTarget {
  job: string;
  address: string;
  metricsPath: string;
  /** Target labels, the way WMF's Prometheus adds site, cluster and prometheus. */
  labels: Readonly<Record<string, string>>;
}

export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  log(): Promise<string>;
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const CANDIDATES = ['/usr/bin/prometheus', ...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, 'prometheus'))];

/** The prometheus binary. Missing means the test fails: a skipped metrics suite would look green and prove nothing. */
export function prometheusBinary(): string {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (found === undefined) {
    throw new Error('Metrics integration tests need Prometheus and found no prometheus binary (/usr/bin or PATH): apt-get install prometheus (npm run test:all does it).');
  }
  return found;
}

export { freePort };

/** Polls until `attempt` returns something other than undefined, or fails saying what it waited for. */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, options: { what: string; timeoutMs: number; intervalMs?: number; sleep?: Sleep }): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`gave up after ${options.timeoutMs} ms waiting for ${options.what}${last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})`}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}

export function prometheusConfig(targets: readonly ScrapeTarget[], scrapeIntervalSeconds: number): string {
  return stringify({
    global: { scrape_interval: `${scrapeIntervalSeconds}s`, scrape_timeout: `${Math.max(scrapeIntervalSeconds * 1000 - 200, 100)}ms`, evaluation_interval: '15s' },
    scrape_configs: targets.map((target) => ({
      job_name: target.job,
      metrics_path: target.metricsPath,
      static_configs: [{ targets: [target.address], labels: { ...target.labels } }],
    })),
  });
}

/**
 * The real Prometheus (Debian's 2.42) on a free loopback port, with a temp TSDB and a generated
 * config that scrapes the given targets every second. Resolves once /-/ready answers.
 */
export async function startPrometheus(options: { targets: readonly ScrapeTarget[]; scrapeIntervalSeconds?: number; sleep?: Sleep }): Promise<PrometheusServer> {
  const binary = prometheusBinary();
  const dir = await mkdtemp(join(tmpdir(), 'cutover-prometheus-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(dir, 'prometheus.yml');
  const logFile = join(dir, 'prometheus.log');
  await writeFile(configFile, prometheusConfig(options.targets, options.scrapeIntervalSeconds ?? 1));
  const child: ResultPromise = execa(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn',
    ],
    { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: { file: logFile }, cwd: dir },
  );
  let exited = false;
  void child.then(() => {
    exited = true;
  });
  const log = (): Promise<string> => readFile(logFile, 'utf8').catch(() => '(no log)');
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await child;
    clearTimeout(timer);
  };

  try {
    const outcome = await pollUntil(
      async () => {
        if (exited) return 'exited';
        const response = await fetch(`${url}/-/ready`).catch(() => undefined);
        return response?.ok === true ? 'ready' : undefined;
      },
      { what: `prometheus on ${url} to be ready`, timeoutMs: 15_000, intervalMs: 50, ...(options.sleep === undefined ? {} : { sleep: options.sleep }) },
    );
    if (outcome === 'exited') throw new Error('prometheus exited before it was ready');
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${await log()}`, { cause: error });
  }

  return {
    url,
    port,
    dir,
    log,
    stop,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
