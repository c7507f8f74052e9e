import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { formatConftoolValue } from '../adapters/conftool/conftool-value.js';
import { startBenchBot, sleep, SERVICE, type BenchBot } from './harness.js';
import { balancing, etcdIndex, within, openBenchLab, watchEtcd, type BenchLab, type PybalServer } from './lab-world.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';
import { benchWaveLab } from './wave-lab.js';

const RUNS = 5;
const WORKERS = 50;
const POOLED = formatConftoolValue({ pooled: 'yes', weight: 10 });
const STAGE_TIMEOUT_MS = 30_000;

export interface Stages {
  etcd: number;
  done: number;
  pybal: number;
  haproxy: number;
  traffic: number;
}

/**
 * Rows 9 and 10 share one lab (50 eqiad workers): its start and preparation are most of their
 * cost. Row 9: one hand `pool` of a worker through the real bot with production backends, timed
 * from `!approve` handed to the gateway to each thing the world does about it.
 */
export async function benchLab(redis: Redis): Promise<Row[]> {
  const t0 = performance.now();
  const lab = await openBenchLab(WORKERS);
  const setupSeconds = (performance.now() - t0) / 1000;
  try {
    const pool = await poolRows(lab, redis, setupSeconds);
    return [...pool, ...(await benchWaveLab(lab, redis))];
  } finally {
    await lab.stop();
  }
}

async function poolRows(lab: BenchLab, redis: Redis, setupSeconds: number): Promise<Row[]> {
  const fqdn = lab.workers[0] ?? '';
  const bench = await startBenchBot('pool-lab', lab.botConfig(), { redis, configPath: lab.opened.configPath });
  const runs: Stages[] = [];
  const raw: number[] = [];
  try {
    // One untimed round first: BullMQ's scripts, the etcd client's connection, the worker's first TLS handshakes.
    for (let run = -1; run < RUNS; run += 1) {
      const stages = await poolOnce(lab, bench, fqdn);
      if (run >= 0) runs.push(stages);
      await depool(lab, bench, fqdn);
      // Same etcd, a key no pybal watches: the bare write and quorum read, nothing reacting to it.
      const rawKey = `/bench/raw/${fqdn}`;
      const rawStart = performance.now();
      await lab.keys.put(rawKey, POOLED);
      if ((await lab.keys.get(rawKey))?.value !== POOLED) throw new Error('bench: raw etcd read back something else');
      if (run >= 0) raw.push(performance.now() - rawStart);
    }
  } finally {
    await bench.stop();
  }
  const bare = summarize(raw);
  const stage = (name: keyof Stages): ReturnType<typeof summarize> => summarize(runs.map((run) => run[name]));
  const ratio = (name: keyof Stages): string => `${(stage(name).median / bare.median).toFixed(0)}× raw`;
  const row = (name: keyof Stages, label: string, notes: string): Row => ({ row: `9 lab pool → ${label}`, ...stage(name), unit: 'ms', notes: `${notes} (${ratio(name)})` });
  const from = `!approve handed to the gateway → `;
  return [
    row('etcd', 'etcd written', `${from}an etcd v2 watch on the worker's key sees pooled=yes`),
    row('done', '✅ result', `${from}the bot's "✅ done … read back and verified" reaches the transport (production backends: approval, BullMQ job, lock, etcd get+CAS+get, both LVS hosts' /pools asked until they show it (pybal ✓), the guard's check queued not awaited, audit, delivery)`),
    row('pybal', 'pybal /pools', `${from}the primary LVS monitor's /pools/kartotherian-k8s-ssl_6543 says enabled and pooled (HTTP polled ~5 ms)`),
    row('haproxy', 'HAProxy ready', `${from}HAProxy's show stat has it out of MAINT at weight > 0 (runtime socket polled ~5 ms)`),
    row('traffic', 'first session', `${from}its session total (stot) rises. HAProxy, like IPVS, balances connections: the CDN's keep-alive agents (40 req/s over 2 caches, idle close 1.5 s) must open one, or the guard's VIP probe lands on it; 6 maps + 1 worker at weight 10`),
    { row: '9 lab raw etcd PUT+GET', ...bare, unit: 'ms', notes: `the lab's etcd (4 pybal watchers on it), a key outside the pools: one v2 PUT and one quorum GET, interleaved with the pools` },
    { row: '9 lab ratio HAProxy / raw', median: stage('haproxy').median / bare.median, p99: stage('haproxy').p99 / bare.p99, runs: RUNS, unit: '×', notes: 'approve → HAProxy ready over raw PUT+GET, median/median, p99/p99' },
    { row: '9 lab ratio traffic / raw', median: stage('traffic').median / bare.median, p99: stage('traffic').p99 / bare.p99, runs: RUNS, unit: '×', notes: `approve → first session over raw PUT+GET; lab start + preparation took ${setupSeconds.toFixed(0)} s, untimed` },
  ];
}

/** Files the pool, approves it, and times each stage from the approval. */
async function poolOnce(lab: BenchLab, bench: BenchBot, fqdn: string): Promise<Stages> {
  const { chat } = bench;
  const asked = chat.say('alice', `!${SERVICE} pool ${fqdn} bench on the lab`);
  const request = await chat.replyTo(asked.ref);
  const id = /^⏳ (\w+):/.exec(request.message.text)?.[1];
  if (id === undefined) throw new Error(`bench: the pool was not filed: ${request.message.text}`);
  const key = lab.keyOf(fqdn);
  const sessions = (await lab.balancer()).get(fqdn)?.stot ?? 0;
  const abort = new AbortController();
  const etcd = watchEtcd(lab.opened.lab.etcdUrl, key, await etcdIndex(lab.opened.lab.etcdUrl, key), (_key, value) => value === POOLED, abort.signal);
  const from = chat.sent.length;
  const start = performance.now();
  chat.say('bob', `!approve ${id}`);
  const done = chat.waitFor((message) => message.kind === 'result' && message.text.startsWith(`✅ ${id} done`), { from, timeoutMs: STAGE_TIMEOUT_MS });
  let pybal: number | undefined;
  let haproxy: number | undefined;
  let traffic: number | undefined;
  const stamped = <T>(promise: Promise<T>): Promise<[T, number]> => promise.then((value) => [value, performance.now()]);
  try {
    while (pybal === undefined || haproxy === undefined || traffic === undefined) {
      if (performance.now() - start > STAGE_TIMEOUT_MS) throw new Error(`bench: ${fqdn} not seen within ${STAGE_TIMEOUT_MS} ms: pybal ${pybal !== undefined}, HAProxy ${haproxy !== undefined}, traffic ${traffic !== undefined}`);
      const [[pools, pybalAt], [servers, balancerAt]] = await Promise.all([stamped(pybal === undefined ? lab.pybal() : Promise.resolve<Record<string, PybalServer>>({})), stamped(lab.balancer())]);
      const seen = pools[fqdn];
      if (pybal === undefined && seen?.enabled === true && seen.pooled) pybal = pybalAt;
      const server = servers.get(fqdn);
      if (haproxy === undefined && balancing(server)) haproxy = balancerAt;
      if (traffic === undefined && (server?.stot ?? 0) > sessions) traffic = balancerAt;
      await sleep(5);
    }
    const result = await done;
    if (!result.message.text.includes('read back and verified') || !result.message.text.includes('pybal ✓')) throw new Error(`bench: unexpected result: ${result.message.text}`);
    const written = await within(etcd, STAGE_TIMEOUT_MS);
    if (written === undefined) throw new Error('bench: the etcd watch never saw the write');
    return { etcd: written - start, done: result.at - start, pybal: pybal - start, haproxy: haproxy - start, traffic: traffic - start };
  } finally {
    abort.abort();
    await etcd.catch(() => undefined);
  }
}

/** Untimed reset through the bot too (its proof records and guard stay consistent), until HAProxy has it in MAINT again. */
async function depool(lab: BenchLab, bench: BenchBot, fqdn: string): Promise<void> {
  const { chat } = bench;
  const asked = chat.say('alice', `!${SERVICE} depool ${fqdn} bench reset`);
  const request = await chat.replyTo(asked.ref);
  const id = /^⏳ (\w+):/.exec(request.message.text)?.[1];
  if (id === undefined) throw new Error(`bench: the depool was not filed: ${request.message.text}`);
  const from = chat.sent.length;
  chat.say('bob', `!approve ${id}`);
  await chat.waitFor((message) => message.kind === 'result' && message.text.startsWith(`✅ ${id} done`), { from, timeoutMs: STAGE_TIMEOUT_MS });
  const deadline = performance.now() + STAGE_TIMEOUT_MS;
  while (balancing((await lab.balancer()).get(fqdn))) {
    if (performance.now() > deadline) throw new Error(`bench: ${fqdn} still in HAProxy after its depool`);
    await sleep(20);
  }
}
