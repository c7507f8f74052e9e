import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
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

/**
 * Each bench runs in a process of its own, one after another: a row measures the bot as it runs,
 * not the heap and the compiled code every bench before it left in one shared process. In one
 * process, `status` over 1,000 hosts had its p99 set by a 40 ms collection of the earlier benches'
 * garbage (28-44 ms against 22 ms on its own), and row 7's RSS held whatever ran first.
 */
async function main(): Promise<void> {
  await requireRedis();
  const only = process.argv.slice(2);
  const rows: Row[] = [];
  const failed: string[] = [];
  const steals: { bench: string; steal: number }[] = [];
  const started = performance.now();
  const scratch = await mkdtemp(join(tmpdir(), 'cutover-bench-'));
  try {
    for (const bench of BENCHES) {
      if (only.length > 0 && !only.some((word) => bench.name.includes(word))) continue;
      const t0 = performance.now();
      const cpu0 = await cpuTimes();
      const out = join(scratch, `${BENCHES.indexOf(bench)}.json`);
      const child = await execa(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--one', bench.name, out], { stdio: ['ignore', 'inherit', 'inherit'], reject: false });
      if (child.exitCode !== 0) {
        // One bench that cannot run (the lab rows without root) costs its rows, not the whole table.
        failed.push(bench.name);
        process.stderr.write(`bench: ${bench.name} failed (exit ${child.exitCode ?? child.signal ?? '?'})\n`);
        continue;
      }
      const steal = stealShare(cpu0, await cpuTimes());
      if (steal !== undefined) steals.push({ bench: bench.name, steal });
      rows.push(...(JSON.parse(await readFile(out, 'utf8')) as Row[]));
      process.stderr.write(`bench: ${bench.name} took ${((performance.now() - t0) / 1000).toFixed(1)} s${steal === undefined ? '' : `, CPU steal ${percent(steal)}`}\n`);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  rows.sort((a, b) => rowNumber(a) - rowNumber(b));
  console.log(formatTable(rows));
  console.log(`\n${rows.length} rows in ${seconds.toFixed(1)} s`);
  // On a shared VM the hypervisor's steal moves every figure; a run under heavy steal says so.
  if (steals.length > 0) console.log(`CPU steal (time the VM wanted and the host gave elsewhere): ${steals.map(({ bench, steal }) => `${bench} ${percent(steal)}`).join(', ')}`);
  if (failed.length > 0) {
    console.log(`not measured: ${failed.join(', ')} (see above); results.json left as it was`);
    process.exitCode = 1;
  }
  // A partial or failed run must not overwrite the committed full results.
  if (only.length === 0 && failed.length === 0) {
    await writeFile(new URL('./results.json', import.meta.url), `${JSON.stringify({ ranAt: new Date().toISOString(), node: process.version, seconds, steal: steals, rows }, null, 2)}\n`);
  }
}

/** The child: one bench, its rows written to `out`. */
async function runOne(name: string, out: string): Promise<void> {
  const bench = BENCHES.find((candidate) => candidate.name === name);
  if (bench === undefined) throw new Error(`bench: no bench named ${name}`);
  const redis = new Redis(TEST_REDIS_URL);
  try {
    await writeFile(out, JSON.stringify(await bench.run(redis)));
  } catch (error) {
    process.stderr.write(`bench: ${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await redis.quit();
  }
}

type CpuTimes = { total: number; steal: number };

/** The machine's CPU time counters (/proc/stat's first line, in ticks); undefined off Linux. */
async function cpuTimes(): Promise<CpuTimes | undefined> {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? '';
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: steal is the eighth.
  if (!line.startsWith('cpu ') || fields.length < 8 || fields.some((value) => !Number.isFinite(value))) return undefined;
  return { total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0), steal: fields[7] ?? 0 };
}

function stealShare(before: CpuTimes | undefined, after: CpuTimes | undefined): number | undefined {
  if (before === undefined || after === undefined || after.total <= before.total) return undefined;
  return (after.steal - before.steal) / (after.total - before.total);
}

function percent(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}

function rowNumber(row: Row): number {
  return Number(/^\d+/.exec(row.row)?.[0] ?? 0);
}

const [flag, name, out] = process.argv.slice(2);
if (flag === '--one' && name !== undefined && out !== undefined) {
  await runOne(name, out);
  // Its rows are written: a timer some bench left behind must not keep the run waiting.
  process.exit();
} else {
  await main();
}
