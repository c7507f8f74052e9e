import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { fleetConfig, SERVICE, startBenchBot } from './harness.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';

// 300: a p99 of 20 samples is only their maximum, and of 100 their second largest, which one
// collection of garbage or one guard look at the 800 workers moved by 15 ms from run to run.
const RUNS = 300;
/**
 * Untimed first: the first listing of each pool, and V8 compiling the path. With one warm-up
 * round the p99 of 100 was always one of the next five (V8 still compiling), 30-40 ms against a
 * median of 15: a figure of the bot's first seconds, not of a status asked in an incident.
 */
const WARMUP = 10;
/** Per DC: 100 bare-metal hosts and 400 workers, 1,000 in all, each in up to three LVS pools. */
const SHAPE = { maps: 100, workers: 400 };

/**
 * `status` with no filter, one at a time: the channel form (issue 14), every pool of every DC read, counted per group, with pybal and health.
 * Where the time goes (issue 14 item 6): one status lists pools 12 times (each DC: its 3 pools for the view, again for the
 * simulated pybal, health sharing pybal's listing of the worker pool). A listing reads only its pool through the path
 * index (500 objects ~1.2 ms, 100 ~0.3 ms on an idle machine); it used to scan the whole 1,400-object fleet hash in
 * Lua each time (2.9 ms and 0.9 ms), 14 times a status, which Redis ran one after another.
 */
export async function benchStatus1000(redis: Redis): Promise<Row[]> {
  const config = await fleetConfig(SHAPE);
  const bench = await startBenchBot('status-1000', config, { redis });
  const samples: number[] = [];
  let size = 0;
  try {
    for (let run = -WARMUP; run < RUNS; run += 1) {
      const start = performance.now();
      const { ref } = bench.chat.say('alice', `!${SERVICE} status`);
      const reply = await bench.chat.replyTo(ref);
      if (!reply.message.text.startsWith(`${SERVICE} eqiad · `)) throw new Error(`bench: unexpected status reply: ${reply.message.text.slice(0, 200)}`);
      if (run >= 0) samples.push(reply.at - start);
      size = reply.message.text.length;
    }
  } finally {
    await bench.stop();
  }
  const hosts = 2 * (SHAPE.maps + SHAPE.workers);
  return [{ row: `6 status, ${hosts} hosts`, ...summarize(samples), unit: 'ms', notes: `message in → reply handed to the transport, simulated conftool in Redis, one at a time after ${WARMUP} untimed; reply ${size} chars` }];
}
