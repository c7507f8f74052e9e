import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { fleetConfig, pollUntil, SERVICE, startBenchBot, type BenchTransport } from './harness.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';

const RUNS = 7;
const WORKER = 'wikikube-worker1001.eqiad.wmnet';
const WORKER_PATH = `/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/${WORKER}`;

/** alice pools the worker by hand, bob approves; returns once conftool has it pooled. */
async function poolByHand(chat: BenchTransport, state: () => Promise<string | undefined>): Promise<void> {
  const asked = chat.say('alice', `!${SERVICE} pool wikikube1001 bench`);
  const reply = await chat.replyTo(asked.ref);
  const id = /^⏳ (\w+):/.exec(reply.message.text)?.[1];
  if (id === undefined) throw new Error(`bench: pool refused: ${reply.message.text}`);
  chat.say('bob', `!approve ${id}`);
  await pollUntil(async () => (await state()) === 'yes', { timeoutMs: 15_000, intervalMs: 5 });
}

/**
 * The guard's reaction, with the shipped default probe interval (5 s): a worker pooled by hand
 * starts failing real requests (the simulated 503 of 2025-02-17) → its depool is read back from
 * conftool. Nothing else runs: no plan, no soak; only the guard watches. The fault may land
 * anywhere in the guard's interval, so the samples spread over it (Flagger's default interval
 * alone is 60 s).
 */
export async function benchGuardReaction(redis: Redis): Promise<Row[]> {
  const config = await fleetConfig({ maps: 6, workers: 4 });
  const interval = config.services[SERVICE]?.guard.probe_interval_seconds ?? 5;
  const bench = await startBenchBot('guard', config, { redis });
  const faults = bench.bot.deps.simulations?.get(SERVICE);
  if (faults === undefined) throw new Error('bench: no simulated fleet');
  const state = async (): Promise<string | undefined> => {
    const raw = await redis.hget(`${bench.prefix}:sim:conftool`, WORKER_PATH);
    return raw === null ? undefined : (JSON.parse(raw) as { pooled: string }).pooled;
  };
  const samples: number[] = [];
  try {
    for (let run = 0; run < RUNS; run += 1) {
      await poolByHand(bench.chat, state);
      // Let the guard's first look (made at once on pooling) pass, then break the worker at a random point of its interval.
      await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * interval * 1000));
      await faults.breakHosts([WORKER]);
      const broken = performance.now();
      const depooled = await pollUntil(async () => (await state()) === 'no', { timeoutMs: 30_000, intervalMs: 5 });
      samples.push((depooled - broken) / 1000);
      await faults.clear();
    }
  } finally {
    await bench.stop();
  }
  return [
    {
      row: '8 guard reaction',
      ...summarize(samples),
      unit: 's',
      notes: `hand-pooled worker starts answering 503 → guard's depool read back from conftool (polled every 5 ms); probe interval ${interval} s (default), 2 probes then 3 to confirm; goal ≤ 10 s (Flagger: interval 60 s × threshold)`,
    },
  ];
}
