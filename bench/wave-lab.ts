import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { formatConftoolValue } from '../adapters/conftool/conftool-value.js';
import { startBenchBot, sleep, SERVICE } from './harness.js';
import { balancing, etcdIndex, within, watchEtcd, type BalancedServer, type BenchLab, type PybalServer } from './lab-world.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';

const RUNS = 3;
const WAVE = 50;
const POOLED = formatConftoolValue({ pooled: 'yes', weight: 10 });
const INACTIVE = formatConftoolValue({ pooled: 'inactive', weight: 0 });
const TIMEOUT_MS = 60_000;

interface WaveStages {
  /** The first of the 50 keys written: what the runner does before its writes. */
  first: number;
  etcd: number;
  done: number;
  pybal: number;
  haproxy: number;
}

/**
 * Row 10: all 50 eqiad workers pooled in one plan wave (bench/plans/wave-50.yaml: one
 * pool-workers step of count 50, no soak) by the real bot against the lab, `!approve` of
 * `!kartotherian next` → the last of the 50 in etcd, in the ✅ result, in pybal's /pools, in HAProxy.
 * Each run is a fresh bot (a fresh Redis prefix, so the plan starts again at its wave) on a lab
 * whose 50 keys were put back to inactive by raw writes.
 */
export async function benchWaveLab(lab: BenchLab, redis: Redis): Promise<Row[]> {
  const workers = lab.workers.slice(0, WAVE);
  if (workers.length !== WAVE) throw new Error(`bench: the lab has ${lab.workers.length} eqiad workers, the wave needs ${WAVE}`);
  const runs: WaveStages[] = [];
  const raw: number[] = [];
  const started = performance.now();
  for (let run = 0; run < RUNS; run += 1) {
    await reset(lab, workers);
    runs.push(await waveOnce(lab, redis, workers, run));
    const rawStart = performance.now();
    for (const fqdn of workers) {
      const key = `/bench/raw/${fqdn}`;
      await lab.keys.put(key, POOLED);
      if ((await lab.keys.get(key))?.value !== POOLED) throw new Error(`bench: raw read back of ${key} differs`);
    }
    raw.push(performance.now() - rawStart);
  }
  await reset(lab, workers);
  const seconds = (performance.now() - started) / 1000;
  const bare = summarize(raw.map((ms) => ms / 1000));
  const stage = (name: keyof WaveStages): ReturnType<typeof summarize> => summarize(runs.map((run) => run[name] / 1000));
  const ratio = (name: keyof WaveStages): string => `${(stage(name).median / bare.median).toFixed(1)}× raw`;
  const from = '!approve of `next` handed to the gateway → ';
  const row = (name: keyof WaveStages, label: string, notes: string): Row => ({ row: `10 lab wave ${WAVE} → ${label}`, ...stage(name), unit: 's wall', notes: `${notes} (${ratio(name)})` });
  return [
    row('etcd', 'etcd all', `${from}an etcd v2 watch has seen all ${WAVE} keys pooled=yes; the first after ${(stage('first').median * 1000).toFixed(0)} ms, then ${(((stage('etcd').median - stage('first').median) * 1000) / (WAVE - 1)).toFixed(0)} ms a write`),
    row('done', '✅ result', `${from}the request's ✅ done result (plan runner, pool writer ×${WAVE} in series, journal, SAL)`),
    row('pybal', 'pybal all', `${from}the primary LVS monitor's /pools has all ${WAVE} enabled and pooled (polled ~10 ms)`),
    row('haproxy', 'HAProxy all', `${from}HAProxy's show stat has all ${WAVE} out of MAINT at weight > 0 (polled ~10 ms)`),
    { row: `10 lab raw etcd ${WAVE} PUT+GET`, ...bare, unit: 's wall', notes: `the lab's etcd, ${WAVE} keys outside the pools, PUT + quorum GET each, in series` },
    { row: '10 lab ratio HAProxy / raw', median: stage('haproxy').median / bare.median, p99: stage('haproxy').p99 / bare.p99, runs: RUNS, unit: '×', notes: `all ${WAVE} in HAProxy over raw; the ${RUNS} runs with resets took ${seconds.toFixed(0)} s; depool_threshold 0 as row 3` },
  ];
}

async function waveOnce(lab: BenchLab, redis: Redis, workers: readonly string[], run: number): Promise<WaveStages> {
  const bench = await startBenchBot(`wave-lab-${run}`, lab.botConfig(), { redis, configPath: lab.opened.configPath });
  const abort = new AbortController();
  let etcd: Promise<number> | undefined;
  try {
    const { chat } = bench;
    const asked = chat.say('alice', `!${SERVICE} next bench wave on the lab`);
    const reply = await chat.replyTo(asked.ref);
    const id = /^⏳ (\w+): alice asks to run/.exec(reply.message.text)?.[1];
    if (id === undefined) throw new Error(`bench: the wave was not filed: ${reply.message.text}`);
    const keys = new Set(workers.map((fqdn) => lab.keyOf(fqdn)));
    const pooled = new Set<string>();
    const poolDir = lab.keyOf('').replace(/\/$/, '');
    const url = lab.opened.lab.etcdUrl;
    let first: number | undefined;
    const allPooled = (key: string, value: string): boolean => {
      if (keys.has(key) && value === POOLED) pooled.add(key);
      if (pooled.size === 1) first ??= performance.now();
      return pooled.size === keys.size;
    };
    etcd = watchEtcd(url, poolDir, await etcdIndex(url, poolDir), allPooled, abort.signal);
    const from = chat.sent.length;
    const start = performance.now();
    chat.say('bob', `!approve ${id}`);
    // The plan says a step's end once, naming its request at the end: `✅ eqiad wave done: … (ID)`.
    const done = chat.waitFor((message) => message.kind === 'result' && message.text.startsWith('✅') && message.text.endsWith(`(${id})`), { from, timeoutMs: TIMEOUT_MS });
    let pybal: number | undefined;
    let haproxy: number | undefined;
    const stamped = <T>(promise: Promise<T>): Promise<[T, number]> => promise.then((value) => [value, performance.now()]);
    while (pybal === undefined || haproxy === undefined) {
      if (performance.now() - start > TIMEOUT_MS) throw new Error(`bench: the wave was not in place within ${TIMEOUT_MS} ms: pybal ${pybal !== undefined}, HAProxy ${haproxy !== undefined}`);
      const [[pools, pybalAt], [servers, balancerAt]] = await Promise.all([
        stamped(pybal === undefined ? lab.pybal() : Promise.resolve<Record<string, PybalServer>>({})),
        stamped(haproxy === undefined ? lab.balancer() : Promise.resolve(new Map<string, BalancedServer>())),
      ]);
      if (pybal === undefined && workers.every((fqdn) => pools[fqdn]?.enabled === true && pools[fqdn].pooled)) pybal = pybalAt;
      if (haproxy === undefined && workers.every((fqdn) => balancing(servers.get(fqdn)))) haproxy = balancerAt;
      await sleep(10);
    }
    const result = await done;
    const written = await within(etcd, TIMEOUT_MS);
    if (written === undefined) throw new Error('bench: the etcd watch never saw all of the wave');
    return { first: (first ?? written) - start, etcd: written - start, done: result.at - start, pybal: pybal - start, haproxy: haproxy - start };
  } finally {
    abort.abort();
    await etcd?.catch(() => undefined);
    await bench.stop();
  }
}

/** Untimed: all 50 keys back to inactive (raw, 16 at a time), until pybal and HAProxy have let them go. */
async function reset(lab: BenchLab, workers: readonly string[]): Promise<void> {
  for (let i = 0; i < workers.length; i += 16) await Promise.all(workers.slice(i, i + 16).map((fqdn) => lab.keys.put(lab.keyOf(fqdn), INACTIVE)));
  const deadline = performance.now() + TIMEOUT_MS;
  for (;;) {
    const [pools, servers] = await Promise.all([lab.pybal(), lab.balancer()]);
    if (workers.every((fqdn) => pools[fqdn] === undefined && !balancing(servers.get(fqdn)))) return;
    if (performance.now() > deadline) throw new Error('bench: the wave was not undone within 60 s');
    await sleep(50);
  }
}
