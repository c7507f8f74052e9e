import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { findBinary } from '../../lab/servers/find-binary.js';
import { freePort } from '../../lab/servers/free-port.js';
import { pollUntil } from '../../lab/servers/poll-until.js';

export interface AlertmanagerServer {
  readonly url: string;
  /** Makes alerts fire as Prometheus would: POST /api/v2/alerts, active until `endsAt` (an hour by default). */
  fire(alerts: readonly { labels: Record<string, string>; endsAt?: string }[]): Promise<void>;
  log(): Promise<string>;
  dispose(): Promise<void>;
}

/** A receiver that sends nothing: the tests read Alertmanager's API, not its notifications. */
const CONFIG = 'route:\n  receiver: none\nreceivers:\n  - name: none\n';

/** Missing means the test fails: a skipped suite would look green and prove nothing. */
export function alertmanagerBinary(): string {
  return findBinary('prometheus-alertmanager', 'Alertmanager tests need the prometheus-alertmanager binary: apt-get install -y --no-install-recommends prometheus-alertmanager (npm run test:all does it).');
}

/** The real Debian Alertmanager on a free loopback port (or `port`, to bring one back), clustering off, its state in a temp dir. */
export async function startAlertmanager(port?: number): Promise<AlertmanagerServer> {
  const binary = alertmanagerBinary();
  const dir = await mkdtemp(join(tmpdir(), 'cutover-alertmanager-'));
  port ??= await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(dir, 'alertmanager.yml');
  const logFile = join(dir, 'alertmanager.log');
  await writeFile(configFile, CONFIG);
  const child: ResultPromise = execa(
    binary,
    [`--config.file=${configFile}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
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
      { what: `alertmanager on ${url} to be ready`, timeoutMs: 15_000, intervalMs: 50 },
    );
    if (outcome === 'exited') throw new Error('alertmanager exited before it was ready');
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\n${await log()}`, { cause: error });
  }
  return {
    url,
    async fire(alerts) {
      const later = new Date(Date.now() + 3_600_000).toISOString();
      const body = alerts.map((alert) => ({ labels: alert.labels, annotations: {}, startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: alert.endsAt ?? later }));
      const response = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`alertmanager refused the alerts: HTTP ${response.status} ${await response.text()}`);
    },
    log,
    async dispose() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
