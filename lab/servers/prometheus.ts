import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { findBinary } from './find-binary.js';
import { freePort } from './free-port.js';
import { pollUntil, type Sleep } from './poll-until.js';
import { prometheusConfig, type ScrapeTarget } from './prometheus-config.js';

export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  log(): Promise<string>;
  /** Stops the process; the TSDB stays, so starting again on `dir` and `port` keeps the history. */
  stop(): Promise<void>;
  /** Stops it and removes its directory. */
  dispose(): Promise<void>;
}

export interface PrometheusOptions {
  targets: readonly ScrapeTarget[];
  scrapeIntervalSeconds?: number;
  sleep?: Sleep;
  /** A directory to keep the config and TSDB in (a fresh temp dir otherwise). */
  dir?: string;
  /** A fixed port, for a restart on the same URL (a free one otherwise). */
  port?: number;
}

/** The prometheus binary. Missing means the test fails: a skipped metrics suite would look green and prove nothing. */
export function prometheusBinary(): string {
  return findBinary('prometheus', 'Metrics integration tests and the lab need Prometheus and found no prometheus binary (/usr/bin or PATH): apt-get install prometheus (npm run test:all does it).');
}

/**
 * The real Prometheus (Debian's 2.42) on a loopback port, with a TSDB and a generated config that
 * scrapes the given targets every second by default. Resolves once /-/ready answers.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = prometheusBinary();
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cutover-prometheus-')));
  await mkdir(dir, { recursive: true });
  const port = options.port ?? (await freePort());
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
    { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: { file: logFile, append: true }, cwd: dir, cleanup: true },
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
