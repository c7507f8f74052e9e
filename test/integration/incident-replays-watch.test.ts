import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { planRunSchema, type PlanRun } from '../../core/plan/run-state.js';
import { setSimulation, startWorkerProcess, writeTestConfig, type BotProcess, type TestConfigFile } from '../helpers/bot-process.js';
import type { ConsoleBot } from '../helpers/console-bot.js';
import { useConsoleBots } from '../helpers/console-bots.js';
import { conftoolValue, eventually } from '../helpers/fault-checks.js';
import { requestStep, soaking, throughDeploy } from '../helpers/plan-steps.js';
import { TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const K = '!kartotherian';
const PLAN = 'kartotherian-to-wikikube';
const WORKER = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet';
const pooledOf = (value: unknown): string | undefined => (value as { pooled?: string } | null)?.pooled;

/**
 * The watches must stay alive (issue 11 items 4 and 8d/8e): a soak paused and resumed keeps being
 * analysed, and a guard whose process is killed with SIGKILL is taken over by the next process.
 */
describe('incident replays: every watch stays alive', () => {
  let config: Config;
  const bots = useConsoleBots(() => config);
  let file: TestConfigFile | undefined;
  const processes: BotProcess[] = [];

  beforeAll(async () => {
    config = await loadConfig();
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((child) => child.crash()));
    await file?.remove();
    file = undefined;
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

  it.each([
    { when: 'between two guard ticks', midTick: false },
    { when: 'inside a guard tick (its probes hang)', midTick: true },
  ])('kill -9 of the bot while its guard watches, $when: the next bot takes the watch over and depools a worker that breaks after the restart', async ({ midTick }) => {
    const prefix = uniquePrefix(`incident-kill-guard-${midTick ? 'mid' : 'between'}`);
    // The guard's probes can be made to hang for a minute, so that the kill lands inside a guard tick.
    file = await writeTestConfig(prefix, (yaml) => setSimulation(yaml, 'adapter_timeout_ms', 60_000));
    const chat = await bots.start('incident-kill-guard', { prefix, config: file.config, role: 'gateway' });
    processes.push(startWorkerProcess(file.path, TEST_REDIS_URL));
    const lastTick = async (): Promise<number> => Number((await bots.redis.hget(`${prefix}:guard:kartotherian`, 'lastTickAt')) ?? 0);
    const tickLock = `${prefix}:guard:kartotherian:tick`;

    chat.say(`${K} pool wikikube1001 capacity --task T386648`);
    const [, id = ''] = await chat.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1001/);
    await approved(chat, id, new RegExp(`✅ ${id} done: pool wikikube-worker1001`));
    // The worker process's guard looked at it at once (no traffic on the k8s pool yet: inconclusive, said once)
    // and keeps looking on its own schedule.
    await chat.waitFor(/❔ inconclusive, not proven: wikikube-worker1001: probes 2\/2/, { timeoutMs: 15_000 });
    const before = await lastTick();
    await eventually('the guard to tick on its own schedule', lastTick, (at) => at > before, 15_000);

    if (midTick) {
      chat.say(`${K} simulate hang probes`);
      await chat.waitFor(/hanging: probes/);
      // A tick takes milliseconds unless its probes hang: a lock held for 300 ms is a tick stuck inside them.
      const token = await eventually('a guard tick to start', () => bots.redis.get(tickLock), (value) => value !== null, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await bots.redis.get(tickLock)).toBe(token);
    } else {
      await eventually('no guard tick in flight', () => bots.redis.get(tickLock), (value) => value === null, 15_000);
    }
    const killedAt = Date.now();
    await processes[0]?.crash();
    // What the dead process left: a tick lock only if it died inside a tick.
    const lockLeftMs = await bots.redis.pttl(tickLock);
    expect(lockLeftMs > 0).toBe(midTick);

    chat.say(`${K} simulate clear`);
    await chat.waitFor(/simulated faults cleared/);
    expect(pooledOf(await conftoolValue(bots.redis, prefix, WORKER))).toBe('yes');
    const restartedAt = Date.now();
    processes.push(startWorkerProcess(file.path, TEST_REDIS_URL));
    const brokenAt = Date.now();
    chat.say(`${K} simulate broken wikikube1001`);
    await chat.waitFor(/broken \(pass checks, fail real requests\): wikikube-worker1001/);

    await eventually('the restarted bot to depool wikikube-worker1001', () => conftoolValue(bots.redis, prefix, WORKER), (value) => pooledOf(value) === 'no', 60_000);
    const depooledAt = Date.now();
    const seconds = (from: number): string => ((depooledAt - from) / 1000).toFixed(2);
    console.log(
      `kill -9 ${midTick ? 'inside a guard tick' : 'between guard ticks'}: tick lock left ${Math.max(0, lockLeftMs)} ms; wikikube-worker1001 depooled ${seconds(brokenAt)} s after it broke (right after the new process was started), ${seconds(killedAt)} s after the kill`,
    );
    await chat.waitFor(/⏪ guard depooled wikikube-worker1001 from kartotherian-k8s-ssl \(eqiad\), verified: wikikube-worker1001 fails real requests: probes 0\/3 \(503 ×3\)/);
    await chat.waitFor(new RegExp(`!log cutover-guard@cutover conftool wikikube-worker1001\\.eqiad\\.wmnet kartotherian-k8s-ssl \\(eqiad\\): pooled=yes → no weight=10 - guard: .* - pooled by alice in ${id} - T386648$`));
    expect(chat.transcript().filter((line) => line.includes('⏪ guard depooled wikikube-worker1001'))).toHaveLength(1);
    // The guard's 10 s (a new process boots within it), plus, after a death inside a tick, its lock's 10 s TTL.
    const recoveryMs = midTick ? 10_000 : 0;
    expect(lockLeftMs).toBeLessThanOrEqual(recoveryMs);
    expect(depooledAt - brokenAt).toBeLessThanOrEqual(10_000 + recoveryMs);
    expect(depooledAt - restartedAt).toBeLessThanOrEqual(10_000 + recoveryMs);
  }, 120_000);
});
