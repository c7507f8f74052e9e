import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { startConsoleBot } from '../test/helpers/console-bot.js';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { fleetConfig, hostNames, operatorName, startBenchBot, type BenchBot } from './harness.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';

const CONCURRENCY = [1, 10, 100] as const;
/** Rounds per concurrency: enough samples for a p99 that is not just the one worst run, within the time budget. */
const ROUNDS: Record<(typeof CONCURRENCY)[number], number> = { 1: 60, 10: 12, 100: 3 };
const WORKERS_PER_DC = 100;
const CONSOLE_RUNS = 40;

/** Each operator says its line at the same instant; each gets its own latency, message in → reply handed to the transport. */
async function round(bench: BenchBot, lines: readonly { person: string; text: string }[]): Promise<number[]> {
  return Promise.all(
    lines.map(async ({ person, text }) => {
      const start = performance.now();
      const { ref, handled } = bench.chat.say(person, text);
      const reply = await bench.chat.replyTo(ref);
      await handled;
      if (!/^(⏳|\S+ · pool state|\S+ \w+ · )/.test(reply.message.text)) throw new Error(`bench: unexpected reply to "${text}": ${reply.message.text}`);
      return reply.at - start;
    }),
  );
}

export async function benchAckLatency(redis: Redis): Promise<Row[]> {
  const config = await fleetConfig({ maps: 6, workers: WORKERS_PER_DC, operators: Math.max(...CONCURRENCY) });
  const bench = await startBenchBot('ack', config, { redis });
  const workers = hostNames('wikikube-worker', 'eqiad', 1, WORKERS_PER_DC);
  const rows: Row[] = [];
  try {
    // Status first: pool requests stay pending and status lists what is waiting, which would grow its reply.
    const commands = [
      { name: 'status', text: (): string => '!kartotherian status', expect: 'status reply' },
      { name: 'pool', text: (i: number): string => `!kartotherian pool ${workers[i % workers.length] ?? ''} bench`, expect: 'request created (⏳, pending approval)' },
    ];
    for (const command of commands) {
      // Warm-up: first-call costs (JIT, Lua script loading in Redis) are not what an operator sees all day.
      await round(bench, [{ person: operatorName(1), text: command.text(0) }]);
      for (const concurrency of CONCURRENCY) {
        const samples: number[] = [];
        for (let r = 0; r < ROUNDS[concurrency]; r += 1) {
          samples.push(...(await round(bench, Array.from({ length: concurrency }, (_, i) => ({ person: operatorName(i + 1), text: command.text(i) })))));
        }
        rows.push({
          row: `1 ack ${command.name} c=${concurrency}`,
          ...summarize(samples),
          unit: 'ms',
          notes: `${command.expect}; ${concurrency} operator(s) at once × ${ROUNDS[concurrency]} rounds, bench transport → real gateway/dispatch/Redis; 12 maps + ${WORKERS_PER_DC * 2} workers`,
        });
      }
    }
  } finally {
    await bench.stop();
  }
  return [...(await consoleRows(redis)), ...rows];
}

/**
 * The console transport itself, one operator: it reads stdin a line at a time, so operators
 * "at once" would only queue behind each other; concurrency is measured through the gateway above.
 */
async function consoleRows(redis: Redis): Promise<Row[]> {
  const config = await fleetConfig({ maps: 6, workers: WORKERS_PER_DC, operators: 1 });
  config.transports = { console: { enabled: true, channel: '#console', speaker: operatorName(1) } };
  const prefix = uniquePrefix('bench-ack-console');
  const chat = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL });
  const workers = hostNames('wikikube-worker', 'eqiad', 1, WORKERS_PER_DC);
  const rows: Row[] = [];
  try {
    await chat.waitFor(/is listening in #console/);
    const commands = [
      { name: 'status', text: (): string => '!kartotherian status', reply: /^<cutover> kartotherian eqiad · / },
      { name: 'pool', text: (i: number): string => `!kartotherian pool ${workers[i % workers.length] ?? ''} bench`, reply: /^<cutover> ⏳ \w+: op001 asks to pool/ },
    ];
    for (const command of commands) {
      const samples: number[] = [];
      for (let run = -1; run < CONSOLE_RUNS; run += 1) {
        const from = chat.transcript().length;
        const start = performance.now();
        chat.say(command.text(run + 1));
        await chat.waitFor(command.reply, { from });
        if (run >= 0) samples.push(performance.now() - start);
      }
      rows.push({ row: `1 ack ${command.name} console c=1`, ...summarize(samples), unit: 'ms', notes: `line written to the console's stdin → first reply line on its stdout; same inventory, one operator` });
    }
  } finally {
    await chat.bot.stop();
    await cleanupPrefix(redis, prefix);
  }
  return rows;
}
