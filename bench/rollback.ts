import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { fleetConfig, pollUntil, SERVICE, startBenchBot, type BenchTransport, type Sent } from './harness.js';
import { summarize } from './stats.js';
import type { Row } from './table.js';

const RUNS = 15;
/** 900 s soaks become 1.8 s and the 60 s analysis interval 120 ms: short, yet ticks stay well apart on a busy machine. */
const TIME_SCALE = 0.002;
const WORKER_PATH = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1002.eqiad.wmnet';

/** As the rehearsal test does it: alice asks for the next step, bob (and carol at two-person gates) approves. */
async function step(chat: BenchTransport, expected: RegExp, command = 'next'): Promise<Sent> {
  const from = chat.sent.length;
  const asked = chat.say('alice', `!${SERVICE} ${command} rehearsal`);
  const reply = await chat.replyTo(asked.ref);
  const [, gate, id] = /^([⏳▶]) (\w+): alice asks to run/.exec(reply.message.text) ?? [];
  if (id === undefined) throw new Error(`bench: step refused: ${reply.message.text}`);
  if (gate === '⏳') {
    chat.say('bob', `!approve ${id}`);
    if (/needs 2 approval/.test(reply.message.text)) chat.say('carol', `!approve ${id}`);
  }
  return chat.waitFor((message) => expected.test(message.text), { from, timeoutMs: 30_000 });
}

/**
 * Time from the fault that makes the simulated metrics breach to the depool in the pool state.
 * The wave (wikikube-worker1002) is pooled and soaking on a healthy fleet; then k8s turns slow
 * above 20 % share (two workers carry 2/8), which the next metrics read shows; the plan's soak
 * analysis must fail `failure_limit` checks in a row and then roll the wave back by itself.
 */
export async function benchRollback(redis: Redis): Promise<Row[]> {
  const config = await fleetConfig({ maps: 6, workers: 4 });
  const plan = config.plans[SERVICE];
  if (plan === undefined) throw new Error('bench: the shipped config lost its plan');
  plan.time_scale = TIME_SCALE;
  const bench = await startBenchBot('rollback', config, { redis });
  const { chat } = bench;
  const faults = bench.bot.deps.simulations?.get(SERVICE);
  if (faults === undefined) throw new Error('bench: no simulated fleet');
  const workerState = async (): Promise<string | undefined> => {
    const raw = await redis.hget(`${bench.prefix}:sim:conftool`, WORKER_PATH);
    return raw === null ? undefined : (JSON.parse(raw) as { pooled: string }).pooled;
  };
  const samples: number[] = [];
  try {
    for (const id of ['nginx-tls-6543', 'lvs-k8s-service', 'cdn-to-6543', 'helm-deploy', 'first-worker', 'observe']) await step(chat, new RegExp(`✅ eqiad ${id} done`));
    for (let run = 0; run < RUNS; run += 1) {
      // Nothing is said when a soak begins (a step is announced when it starts and when it ends): read the plan's phase.
      await step(chat, /▶ eqiad waves .*then soaks \S+ under analysis/);
      await pollUntil(async () => {
        const json = await redis.hget(`${bench.prefix}:plan:kartotherian-to-wikikube`, 'json');
        return json !== null && (JSON.parse(json) as { phase?: string }).phase === 'soaking';
      }, { timeoutMs: 15_000, intervalMs: 5 });
      if ((await workerState()) !== 'yes') throw new Error('bench: wave 1 did not pool wikikube-worker1002');
      const from = chat.sent.length;
      await faults.slowUnderLoad(0.2, 3);
      const breachVisible = performance.now();
      const depooled = await pollUntil(async () => (await workerState()) === 'inactive', { timeoutMs: 15_000, intervalMs: 2 });
      samples.push(depooled - breachVisible);
      await chat.waitFor((message) => /⏪ eqiad waves: health breach, rolled back by itself/.test(message.text), { from });
      await faults.clear();
      const resumed = chat.say('alice', `!${SERVICE} resume`);
      await chat.replyTo(resumed.ref);
    }
  } finally {
    await bench.stop();
  }
  const interval = 60 * TIME_SCALE * 1000;
  return [
    {
      row: '4 rollback reaction',
      ...summarize(samples),
      unit: 'ms',
      notes: `simulated fleet, time_scale ${TIME_SCALE}: fault stored (next metrics read breaches) → worker1002 pooled=inactive in Redis (polled every 2 ms); bounded by the design: failure_limit 2 × interval ${interval} ms + work`,
    },
  ];
}
