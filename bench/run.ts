import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { requireRedis, TEST_REDIS_URL } from '../test/helpers/redis.js';
import { benchAckLatency } from './ack-latency.js';
import { benchPoolEtcd } from './pool-etcd.js';
import { benchWaveEtcd } from './wave-etcd.js';
import { benchRollback } from './rollback.js';
import { benchAirtime } from './airtime.js';
import { benchStatus1000 } from './status-1000.js';
import { benchGuardReaction } from './guard-reaction.js';
import { benchLab } from './pool-lab.js';
import { benchFailover } from './failover.js';
import { formatTable, type Row } from './table.js';

type Bench = { name: string; run: (redis: Redis) => Promise<Row[]> };

// The wave runs first so the RSS measured after it holds the bot and one wave, not the leftovers of every other bench.
const BENCHES: Bench[] = [
  { name: 'airtime and memory', run: benchAirtime },
  { name: 'ack latency', run: benchAckLatency },
  { name: 'pool etcd', run: benchPoolEtcd },
  { name: 'wave etcd', run: benchWaveEtcd },
  { name: 'rollback', run: benchRollback },
  { name: 'status 1000', run: benchStatus1000 },
  { name: 'guard reaction', run: benchGuardReaction },
  // Rows 9 and 10 share one lab (real etcd, HAProxy, pybal monitors, TLS servers); needs root.
  { name: 'lab pool and wave', run: benchLab },
  { name: 'failover', run: benchFailover },
];

async function main(): Promise<void> {
  await requireRedis();
  const redis = new Redis(TEST_REDIS_URL);
  const only = process.argv.slice(2);
  const rows: Row[] = [];
  const failed: string[] = [];
  const started = performance.now();
  try {
    for (const bench of BENCHES) {
      if (only.length > 0 && !only.some((word) => bench.name.includes(word))) continue;
      const t0 = performance.now();
      try {
        rows.push(...(await bench.run(redis)));
      } catch (error) {
        // One bench that cannot run (the lab rows without root) costs its rows, not the whole table.
        failed.push(bench.name);
        process.stderr.write(`bench: ${bench.name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
        continue;
      }
      process.stderr.write(`bench: ${bench.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await redis.quit();
  }
  const seconds = (performance.now() - started) / 1000;
  rows.sort((a, b) => rowNumber(a) - rowNumber(b));
  console.log(formatTable(rows));
  console.log(`\n${rows.length} rows in ${seconds.toFixed(1)} s`);
  if (failed.length > 0) {
    console.log(`not measured: ${failed.join(', ')} (see above); results.json left as it was`);
    process.exitCode = 1;
  }
  // A partial or failed run must not overwrite the committed full results.
  if (only.length === 0 && failed.length === 0) {
    await writeFile(new URL('./results.json', import.meta.url), `${JSON.stringify({ ranAt: new Date().toISOString(), node: process.version, seconds, rows }, null, 2)}\n`);
  }
}

function rowNumber(row: Row): number {
  return Number(/^\d+/.exec(row.row)?.[0] ?? 0);
}

await main();
