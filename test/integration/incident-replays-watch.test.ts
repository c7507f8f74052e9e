import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { planRunSchema, type PlanRun } from '../../core/plan/run-state.js';
import type { ConsoleBot } from '../helpers/console-bot.js';
import { useConsoleBots } from '../helpers/console-bots.js';
import { conftoolValue, eventually } from '../helpers/fault-checks.js';
import { requestStep, soaking, throughDeploy } from '../helpers/plan-steps.js';

const K = '!kartotherian';
const PLAN = 'kartotherian-to-wikikube';
const WORKER = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet';
const pooledOf = (value: unknown): string | undefined => (value as { pooled?: string } | null)?.pooled;

/**
 * The watches must stay alive (issue 11 items 4 and 8d/8e): a soak paused and resumed keeps being
 * analysed, and a guard whose process is killed with SIGKILL is taken over by the next process
 * (leader-failover.test.ts: the guard is the leader's).
 */
describe('incident replays: every watch stays alive', () => {
  let config: Config;
  const bots = useConsoleBots(() => config);

  beforeAll(async () => {
    config = await loadConfig();
  });

  async function planRun(prefix: string): Promise<PlanRun | undefined> {
    const json = await bots.redis.hget(`${prefix}:plan:${PLAN}`, 'json');
    return json === null ? undefined : planRunSchema.parse(JSON.parse(json));
  }

  /** bob approves and the request's ✅ line shows. */
  async function approved(chat: ConsoleBot, id: string, expected: RegExp): Promise<string> {
    const mark = chat.transcript().length;
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    const [line] = await chat.waitFor(expected, { from: mark, timeoutMs: 20_000 });
    chat.say('/as alice');
    return line;
  }

  it('pause and resume in the middle of a soak: the soak is analysed again, and a worker that breaks then is rolled back within interval + 2 s', async () => {
    const scaled = structuredClone(config);
    const plan = scaled.plans['kartotherian'];
    if (plan === undefined) throw new Error('the shipped config lost its plan');
    // Analysis every 60 s × 0.015 = 0.9 s, first-worker soak 900 s × 0.015 = 13.5 s: room for a pause,
    // a resume and a fault on a loaded machine, and for the soak's two failed checks (failure_limit 2)
    // to fit well inside interval + 2 s.
    plan.time_scale = 0.015;
    // The guard's probes would catch the fault too (within 5 s); slowed down here, so that it is the
    // resumed soak's own analysis that must roll the worker back.
    const service = scaled.services['kartotherian'];
    if (service === undefined) throw new Error('no kartotherian');
    service.guard = { ...service.guard, probe_interval_seconds: 600 };
    const intervalMs = 900;
    const chat = await bots.start('incident-pause-resume', { config: scaled });
    await throughDeploy(chat);

    const id = await requestStep(chat, 'first canary');
    await approved(chat, id, new RegExp(`▶ eqiad first-worker: .*\\(${id}\\) · then soaks 14s under analysis`));
    await soaking(chat);
    await eventually('the first soak check', () => planRun(chat.prefix), (run) => (run?.soak?.checks ?? 0) >= 1, 10_000);

    chat.say(`${K} pause change window`);
    await chat.waitFor(/⏸ kartotherian-to-wikikube paused at eqiad step 5\/8 first-worker by alice/);
    const atPause = (await planRun(chat.prefix))?.soak?.checks ?? -1;
    // Paused means not analysed: two intervals pass without a check.
    await new Promise((resolve) => setTimeout(resolve, 2 * intervalMs));
    expect((await planRun(chat.prefix))?.soak?.checks).toBe(atPause);

    chat.say(`${K} resume`);
    await chat.waitFor(/▶ kartotherian-to-wikikube resumed by alice: soaking at eqiad step 5\/8 first-worker/);
    const resumedAt = Date.now();
    const run = await eventually('two soak checks after resume', () => planRun(chat.prefix), (latest) => (latest?.soak?.checks ?? 0) >= atPause + 2, 4 * intervalMs + 2000);
    console.log(`pause/resume: soak checks ${atPause} at the pause, ${run?.soak?.checks ?? '?'} ${((Date.now() - resumedAt) / 1000).toFixed(2)} s after resume (interval ${intervalMs / 1000} s)`);
    const mark = chat.transcript().length;
    chat.say(`${K} plan`);
    const [, checks = '0'] = await chat.waitFor(/^<cutover> blocking: soak ends in \d+s, (\d+) checks so far, last: 5xx/, { from: mark });
    expect(Number(checks)).toBeGreaterThanOrEqual(atPause + 2);

    const brokenAt = Date.now();
    chat.say(`${K} simulate broken wikikube1001`);
    const left = await eventually('wikikube-worker1001 to leave the pool', () => conftoolValue(bots.redis, chat.prefix, WORKER), (value) => pooledOf(value) !== 'yes', 10_000);
    const elapsedMs = Date.now() - brokenAt;
    const [how] = await chat.waitFor(/⏪ eqiad first-worker: health breach, rolled back by itself.*/);
    console.log(`pause/resume: wikikube-worker1001 rolled back by the resumed soak (pooled=${pooledOf(left) ?? '?'}) ${(elapsedMs / 1000).toFixed(2)} s after it broke (bound: interval ${intervalMs / 1000} s + 2 s)`);
    expect(elapsedMs).toBeLessThanOrEqual(intervalMs + 2000);
    expect(how).toMatch(/health breach, rolled back by itself \(wikikube-worker1001 → pooled=inactive, verified\): 5xx 100\.0% > max 1\.0% · 5xx 100\.0% · p99 200ms · 114 req\/s on k8s · bare metal \(probe sample, \d+ requests to \d+ hosts\): 0\.00% failed, p99 250ms\. Plan paused\./);
    await chat.waitFor(/⚠ eqiad first-worker: failed check 1\/2: 5xx 100\.0% > max 1\.0%/);
    await chat.waitFor(/!log rolled back wikikube-worker1001\.eqiad\.wmnet to pooled=inactive in eqiad \(first-worker\) - health breach: 5xx 100\.0% > max 1\.0% .* - alice@cutover \(\w+\) - T378944$/);
    for (const maps of ['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010']) {
      expect(pooledOf(await conftoolValue(bots.redis, chat.prefix, WORKER.replace('wikikube-worker1001', maps)))).toBe('yes');
    }
    expect((await planRun(chat.prefix))?.phase).toBe('paused');
  }, 120_000);

  // kill -9 of the process whose guard watches: the guard's looks are the leader's now (issue 16), so
  // that replay is the leader being killed and its standby taking the watch over (leader-failover.test.ts).
});
