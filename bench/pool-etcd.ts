import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { formatConftoolValue } from '../adapters/conftool/conftool-value.js';
import { EtcdKeys, startEtcd } from '../test/helpers/etcd-server.js';
import { useEtcd } from './etcd-fleet.js';
import { fleetConfig, hostNames, startBenchBot } from './harness.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';

const RUNS = 30;
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
    try {
      // One untimed round first: BullMQ's Lua scripts and the etcd client's first connection.
      for (let run = -1; run < RUNS; run += 1) {
        const asked = bench.chat.say('alice', `!kartotherian pool ${fqdn} bench`);
        const request = await bench.chat.replyTo(asked.ref);
        const id = /^⏳ (\w+):/.exec(request.message.text)?.[1];
        if (id === undefined) throw new Error(`bench: pool was not filed: ${request.message.text}`);
        const from = bench.chat.sent.length;
        const start = performance.now();
        bench.chat.say('bob', `!approve ${id}`);
        const done = await bench.chat.waitFor((message) => message.kind === 'result' && message.text.startsWith(`✅ ${id} done`), { from });
        if (!done.message.text.includes('read back and verified')) throw new Error(`bench: unexpected result: ${done.message.text}`);
        if (run >= 0) endToEnd.push(done.at - start);
        await keys.put(key, INACTIVE);

        // Interleaved with the bot's runs, so both see the same machine load.
        const rawStart = performance.now();
        await keys.put(key, POOLED);
        const back = await keys.get(key);
        if (back?.value !== POOLED) throw new Error('bench: raw etcd read back something else');
        if (run >= 0) raw.push(performance.now() - rawStart);
        await keys.put(key, INACTIVE);
      }
    } finally {
      await bench.stop();
    }
    const e2e = summarize(endToEnd);
    const bare = summarize(raw);
    return [
      { row: '2 pool e2e (etcd)', ...e2e, unit: 'ms', notes: '!approve in → ✅ done result out: approval, BullMQ job, lock, on etcd the pool read (a quorum GET, and the listing again as the bench\'s raw PUT moved the index) + CAS + read back (a quorum GET of the key; the counts from the listing its index proves), audit, notifier queue, delivery' },
      { row: '2 raw etcd PUT+GET', ...bare, unit: 'ms', notes: 'same key: one v2 PUT and one quorum GET, fetch from this process' },
      { row: '2 ratio e2e / raw', median: e2e.median / bare.median, p99: e2e.p99 / bare.p99, runs: RUNS, unit: '×', notes: 'median over median, p99 over p99' },
    ];
  } finally {
    await etcd.stop();
  }
}
