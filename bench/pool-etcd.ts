import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { formatConftoolValue } from '../adapters/conftool/conftool-value.js';
import { EtcdKeys, startEtcd } from '../test/helpers/etcd-server.js';
import { useEtcd } from './etcd-fleet.js';
import { fleetConfig, hostNames, startBenchBot } from './harness.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';

/** Timed rounds right after the bot started (after one untimed round: BullMQ's Lua scripts, the etcd client's first connection). */
const FIRST_RUNS = 30;
/** Untimed rounds between the two: V8 compiles the path, as it has in a bot that has been up for a while. */
const WARMUP = 50;
/** Timed rounds of the warm bot: the rows' figures. */
const RUNS = 50;
const INACTIVE = formatConftoolValue({ pooled: 'inactive', weight: 0 });
const POOLED = formatConftoolValue({ pooled: 'yes', weight: 10 });

/**
 * One approved pool on conftool-on-etcd, `!approve` in → the "done … read back and verified"
 * result handed to the transport, against the bare minimum the same change costs: one PUT and
 * one quorum GET of the same key.
 */
export async function benchPoolEtcd(redis: Redis): Promise<Row[]> {
  const etcd = await startEtcd();
  const keys = new EtcdKeys(etcd.url);
  try {
    const config = await fleetConfig({ maps: 6, workers: 4 });
    await useEtcd(config, etcd.url, keys);
    const bench = await startBenchBot('pool-etcd', config, { redis });
    const fqdn = hostNames('wikikube-worker', 'eqiad', 1, 1)[0] ?? '';
    const key = `/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/${fqdn}`;
    const endToEnd: number[] = [];
    const raw: number[] = [];
    const firstEndToEnd: number[] = [];
    const firstRaw: number[] = [];
    try {
      for (let round = -1; round < FIRST_RUNS + WARMUP + RUNS; round += 1) {
        // Where this round's two timings go, if anywhere.
        const into = round < 0 ? undefined : round < FIRST_RUNS ? { e2e: firstEndToEnd, raw: firstRaw } : round >= FIRST_RUNS + WARMUP ? { e2e: endToEnd, raw } : undefined;
        const asked = bench.chat.say('alice', `!kartotherian pool ${fqdn} bench`);
        const request = await bench.chat.replyTo(asked.ref);
        const id = /^⏳ (\w+):/.exec(request.message.text)?.[1];
        if (id === undefined) throw new Error(`bench: pool was not filed: ${request.message.text}`);
        const from = bench.chat.sent.length;
        const start = performance.now();
        bench.chat.say('bob', `!approve ${id}`);
        const done = await bench.chat.waitFor((message) => message.kind === 'result' && message.text.startsWith(`✅ ${id} done`), { from });
        if (!done.message.text.includes('read back and verified')) throw new Error(`bench: unexpected result: ${done.message.text}`);
        into?.e2e.push(done.at - start);
        await keys.put(key, INACTIVE);

        // Interleaved with the bot's runs, so both see the same machine load.
        const rawStart = performance.now();
        await keys.put(key, POOLED);
        const back = await keys.get(key);
        if (back?.value !== POOLED) throw new Error('bench: raw etcd read back something else');
        into?.raw.push(performance.now() - rawStart);
        await keys.put(key, INACTIVE);
      }
    } finally {
      await bench.stop();
    }
    const e2e = summarize(endToEnd);
    const bare = summarize(raw);
    const firstE2e = summarize(firstEndToEnd);
    const firstBare = summarize(firstRaw);
    return [
      { row: '2 pool e2e (etcd)', ...e2e, unit: 'ms', notes: '!approve in → ✅ done result out: approval, BullMQ job, lock, on etcd the pool listed (one quorum GET of its 10 keys) + CAS + read back (the listing again), audit, notifier queue, delivery' },
      { row: '2 raw etcd PUT+GET', ...bare, unit: 'ms', notes: 'same key: one v2 PUT and one quorum GET, fetch from this process' },
      { row: '2 ratio e2e / raw', median: e2e.median / bare.median, p99: e2e.p99 / bare.p99, runs: RUNS, unit: '×', notes: `median over median, p99 over p99; the ${RUNS} rounds after ${1 + FIRST_RUNS + WARMUP} others` },
      {
        row: '2 ratio, first rounds after start',
        median: firstE2e.median / firstBare.median,
        p99: firstE2e.p99 / firstBare.p99,
        runs: FIRST_RUNS,
        unit: '×',
        notes: `the ${FIRST_RUNS} rounds right after the bot started, V8 still compiling: e2e ${firstE2e.median.toFixed(2)} ms over raw ${firstBare.median.toFixed(2)} ms (median; p99 ${firstE2e.p99.toFixed(1)} over ${firstBare.p99.toFixed(1)})`,
      },
    ];
  } finally {
    await etcd.stop();
  }
}
