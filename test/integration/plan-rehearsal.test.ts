import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import type { ConsoleBot } from '../helpers/console-bot.js';
import { useConsoleBots } from '../helpers/console-bots.js';
import { soaking } from '../helpers/plan-steps.js';

const K = '!kartotherian';

/**
 * The whole Kartotherian plan rehearsed on the simulated fleet from the console, soaks scaled
 * down 1000×, with the faults that paged in 2025 injected.
 */
describe('migration plan rehearsal on the simulated fleet', () => {
  let config: Config;
  const bots = useConsoleBots(() => config);
  const { start } = bots;

  beforeAll(async () => {
    config = await loadConfig();
    const plan = config.plans['kartotherian'];
    if (plan === undefined) throw new Error('the shipped config lost its plan');
    plan.time_scale = 0.001;
  });

  async function pooled(prefix: string, dc: string, host: string): Promise<string | undefined> {
    const raw = await bots.redis.hget(`${prefix}:sim:conftool`, `/conftool/v1/pools/${dc}/maps/kartotherian-k8s-ssl/${host}.${dc}.wmnet`);
    return raw === null ? undefined : (JSON.parse(raw) as { pooled: string }).pooled;
  }

  /** Requests the next step as alice, approves it as bob (and carol for two-person gates), waits for its end. */
  async function step(chat: ConsoleBot, expected: RegExp, command = 'next'): Promise<string> {
    const mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(`${K} ${command} rehearsal`);
    const [, id] = await chat.waitFor(/[⏳▶] (\w+): alice asks to run|✖ (.*)/, { from: mark });
    if (id === undefined) throw new Error(`step refused: ${chat.transcript().slice(mark).join('\n')}`);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    if (/needs 2 approval/.test(chat.transcript().slice(mark).join('\n'))) {
      chat.say('/as carol');
      chat.say(`!approve ${id}`);
    }
    const [line] = await chat.waitFor(expected, { from: mark, timeoutMs: 20_000 });
    return line;
  }

  async function throughDeploy(chat: ConsoleBot, dc = 'eqiad'): Promise<void> {
    await step(chat, new RegExp(`✅ ${dc} nginx-tls-6543 done: .*TLS on 6543: 6/6 maps hosts answer`));
    await step(chat, new RegExp(`✅ ${dc} lvs-k8s-service done: .*VIP kartotherian-k8s-ssl \\(${dc}\\): 200 .*pybal kartotherian-k8s-ssl: 6 maps hosts enabled/up`));
    await step(chat, new RegExp(`✅ ${dc} cdn-to-6543 done: soak of .* passed`));
    await step(chat, new RegExp(`✅ ${dc} helm-deploy done: .*pods ready`));
  }

  it('runs the whole plan for both DCs end to end and leaves only workers pooled', async () => {
    const chat = await start('happy');
    for (const dc of ['eqiad', 'codfw']) {
      await throughDeploy(chat, dc);
      await step(chat, new RegExp(`✅ ${dc} first-worker done: soak of .* passed .* · 5xx`));
      await step(chat, new RegExp(`✅ ${dc} observe done: \\d+% of traffic on k8s`));
      for (let wave = 1; wave <= 4; wave += 1) await step(chat, new RegExp(`✅ ${dc} waves wave ${wave}/4 done`));
      await step(chat, new RegExp(`✅ ${dc} retire-bare-metal done`));
    }
    await chat.waitFor(/the plan is complete/);
    for (const dc of ['eqiad', 'codfw']) {
      const n = dc === 'eqiad' ? 1 : 2;
      for (const worker of [1, 2, 3, 4]) expect(await pooled(chat.prefix, dc, `wikikube-worker${n}00${worker}`)).toBe('yes');
      for (const maps of [5, 6, 7, 8, 9]) expect(await pooled(chat.prefix, dc, `maps${n}00${maps}`)).toBe('inactive');
    }
    chat.say(`${K} plan`);
    await chat.waitFor(/· done at /);
    expect(chat.transcript().join('\n')).toMatch(/!log conftool wikikube-worker1001\.eqiad\.wmnet kartotherian-k8s-ssl \(eqiad\): pooled=inactive → yes weight=10 - rehearsal - alice@cutover - T378944/);
    // Issue 14: each step said once when it starts and once when it ends; no second `✅ <request> done`.
    const said = chat.transcript();
    expect(said.filter((line) => /^<cutover> ✅ \w+ done/.test(line) && !/^<cutover> ✅ (eqiad|codfw) /.test(line))).toEqual([]);
    expect(said.filter((line) => /^<cutover> ✅ eqiad waves wave 1\/4 done/.test(line))).toHaveLength(1);
    expect(said.filter((line) => /^<cutover> ▶ eqiad waves wave 1\/4:/.test(line))).toHaveLength(1);
  }, 120_000);

  it('workers that pass health checks but fail real requests: no bare metal is depooled and the worker is depooled again', async () => {
    const chat = await start('broken');
    await throughDeploy(chat);
    chat.say(`${K} simulate broken wikikube1001`);
    await chat.waitFor(/broken \(pass checks, fail real requests\): wikikube-worker1001/);
    const mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(`${K} next first canary`);
    const [, id] = await chat.waitFor(/⏳ (\w+):/, { from: mark });
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    // One worker beside six maps hosts takes 1/7 of the 800 req/s, and all of it fails.
    await chat.waitFor(
      /❌ \w+ failed: .*first-worker failed verification: real requests fail on wikikube-worker1001 \(probes 0\/5: 503 ×5\) · VIP 4\/5 ok \(503 ×1\) · k8s 5xx 100\.0% at 114 req\/s · rolled back 1 change/,
      { from: mark },
    );
    expect(await pooled(chat.prefix, 'eqiad', 'wikikube-worker1001')).toBe('inactive');
    for (const maps of [5, 6, 7, 8, 9, 10]) expect(await pooled(chat.prefix, 'eqiad', `maps10${String(maps).padStart(2, '0')}`)).toBe('yes');
    chat.say(`${K} plan`);
    await chat.waitFor(/blocking: verification failed: real requests fail on wikikube-worker1001/);
  }, 60_000);

  it('a worker whose certificate lacks the public name (2025-02-19): pybal calls it up, real requests fail the name check, and it is depooled again', async () => {
    const chat = await start('wrong-cert');
    await throughDeploy(chat);
    chat.say(`${K} simulate wrong-cert wikikube1001`);
    await chat.waitFor(/certificate lacks the public name \(pass checks, fail real requests\): wikikube-worker1001/);
    await step(chat, /❌ \w+ failed: .*first-worker failed verification: real requests fail on wikikube-worker1001 \(probes 0\/5: names ×5\) · VIP 4\/5 ok \(names ×1\) · k8s 5xx 100\.0% at 114 req\/s/);
    expect(await pooled(chat.prefix, 'eqiad', 'wikikube-worker1001')).toBe('inactive');
    for (const maps of [5, 6, 7, 8, 9, 10]) expect(await pooled(chat.prefix, 'eqiad', `maps10${String(maps).padStart(2, '0')}`)).toBe('yes');
    chat.say(`${K} simulate clear`);
    await chat.waitFor(/simulated faults cleared/);
    chat.say(`${K} simulate show`);
    await chat.waitFor(/simulated faults: none/);
  }, 60_000);

  it('latency that rises after the second worker rolls the wave back by itself', async () => {
    const chat = await start('slow');
    await throughDeploy(chat);
    await step(chat, /✅ eqiad first-worker done/);
    await step(chat, /✅ eqiad observe done/);
    // One worker carries 1/7 of the traffic; two would carry 2/8, past the regression point.
    chat.say(`${K} simulate slow 0.2 3`);
    await chat.waitFor(/k8s p99 3s above 20% share/);
    await step(chat, /⏪ eqiad waves: health breach, rolled back by itself \(wikikube-worker1002 → pooled=inactive, verified\): p99 3\.00s > max 1\.50s/);
    expect(await pooled(chat.prefix, 'eqiad', 'wikikube-worker1002')).toBe('inactive');
    expect(await pooled(chat.prefix, 'eqiad', 'wikikube-worker1001')).toBe('yes');
    chat.say(`${K} plan`);
    await chat.waitFor(/blocking: health breach during soak/);
  }, 60_000);

  it('pauses and asks people when there are no metrics, instead of passing', async () => {
    const chat = await start('nodata');
    await throughDeploy(chat);
    chat.say(`${K} simulate no-metrics on`);
    await chat.waitFor(/simulated faults now: no metrics/);
    await step(chat, /⏸ kartotherian-to-wikikube paused: inconclusive: wikikube-worker1001: probes 5\/5 ok · VIP 5\/5 ok · k8s: no data \(no series\); no metrics to confirm real traffic/);
    chat.say(`${K} next`);
    await chat.waitFor(/✖ The plan is paused: inconclusive/);
  }, 60_000);

  it('refuses to depool bare metal while a pooled worker is unproven, and explains the arithmetic', async () => {
    const chat = await start('guard');
    await throughDeploy(chat);
    await step(chat, /✅ eqiad first-worker done/);
    await step(chat, /✅ eqiad observe done/);
    await step(chat, /✅ eqiad waves wave 1\/4 done/);
    // Someone pools a worker by hand (a k8s cookbook, say): pybal will call it up, but it never
    // served real requests for the plan, so wave 2 may not take bare metal away.
    chat.say(`${K} simulate outside-repool wikikube1003`);
    await chat.waitFor(/someone outside cutover set .*wikikube-worker1003.* pooled=yes/);
    const mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(`${K} next`);
    await chat.waitFor(
      /✖ eqiad step 7\/8 waves wave 2\/4 is blocked: maps1005, maps1006 stay until every pooled worker has served real requests through the VIP: wikikube-worker1003 \(.*\) · after: \d+ serving of \d+ counted \(inactive excluded; 1 pooled worker\(s\) not proven are not capacity\)/,
      { from: mark },
    );
    expect(await pooled(chat.prefix, 'eqiad', 'maps1005')).toBe('yes');
  }, 60_000);

  it('stops in an emergency without approval: bare metal back first, then workers out', async () => {
    const chat = await start('stop');
    await throughDeploy(chat);
    await step(chat, /✅ eqiad first-worker done/);
    await step(chat, /✅ eqiad observe done/);
    await step(chat, /✅ eqiad waves wave 1\/4 done/);
    await step(chat, /✅ eqiad waves wave 2\/4 done/);
    expect(await pooled(chat.prefix, 'eqiad', 'maps1005')).toBe('no');
    chat.say('/as alice');
    chat.say(`${K} emergency-stop --dry-run`);
    await chat.waitFor(/DRY RUN, nothing filed: EMERGENCY STOP by alice: repool bare metal first, then depool workers \(\d+ writes\): /);
    await chat.waitFor(/maps1005\.eqiad\.wmnet \{"weight":10,"pooled":"no"\}|maps1005\.eqiad\.wmnet \{"pooled":"no","weight":10\} → \{"pooled":"yes","weight":10\}/);
    chat.say(`${K} emergency-stop users report broken tiles`);
    await chat.waitFor(/🛑 \w+ EMERGENCY STOP queued by alice/);
    await chat.waitFor(/✅ \w+ done: .*emergency stop done, verified: pool maps1005, pool maps1006, depool wikikube-worker1001, depool wikikube-worker1002/);
    await chat.waitFor(/!log conftool maps\[1005-1006\]\.eqiad\.wmnet kartotherian-k8s-ssl \(eqiad\): pooled=no → yes weight=10 - emergency stop: users report broken tiles - alice@cutover/);
    await chat.waitFor(/!log conftool wikikube-worker\[1001-1002\]\.eqiad\.wmnet kartotherian-k8s-ssl \(eqiad\): pooled=yes → no weight=10 - emergency stop/);
    for (const maps of ['maps1005', 'maps1006']) expect(await pooled(chat.prefix, 'eqiad', maps)).toBe('yes');
    expect(await pooled(chat.prefix, 'eqiad', 'wikikube-worker1001')).toBe('no');
  }, 60_000);

  it('resumes a soak after the bot is stopped in the middle of it', async () => {
    const slower = structuredClone(config);
    const plan = slower.plans['kartotherian'];
    if (plan === undefined) throw new Error('no plan');
    plan.time_scale = 0.005; // first-worker soaks 4.5 s, analysed every 0.3 s
    const first = await start('resume', { config: slower });
    await throughDeploy(first);
    const mark = first.transcript().length;
    first.say('/as alice');
    first.say(`${K} next canary`);
    const [, id] = await first.waitFor(/⏳ (\w+):/, { from: mark });
    first.say('/as bob');
    first.say(`!approve ${id}`);
    await first.waitFor(/▶ eqiad first-worker: .* · then soaks (4\.5s|5s) under analysis/, { from: mark });
    await soaking(first);
    await first.bot.stop();

    const second = await start('resume', { prefix: first.prefix, config: slower });
    second.say(`${K} plan`);
    await second.waitFor(/soaking at eqiad step 5\/8 first-worker/);
    second.say('/as alice');
    second.say(`${K} status --dc eqiad --service kartotherian-k8s-ssl`);
    await second.waitFor(/yes w10: maps\[1005-1010\] wikikube-worker1001/);
    const after = second.transcript().length;
    await second.waitFor(/✅ eqiad first-worker done: soak of 4\.5s passed|✅ eqiad first-worker done: soak of 5s passed/, { from: after, timeoutMs: 20_000 });
  }, 60_000);

  it('pauses when pool state drifts from what the plan wrote (changed outside the bot)', async () => {
    const chat = await start('drift');
    await throughDeploy(chat);
    await step(chat, /✅ eqiad first-worker done/);
    await step(chat, /✅ eqiad observe done/);
    await step(chat, /✅ eqiad waves wave 1\/4 done/);
    await step(chat, /✅ eqiad waves wave 2\/4 done/);
    chat.say(`${K} simulate outside-repool maps1005 --service kartotherian-k8s-ssl`);
    await chat.waitFor(/someone outside cutover set .*maps1005.* pooled=yes/);
    await step(chat, /⏸ kartotherian-to-wikikube paused: drift: maps1005\.eqiad\.wmnet is pooled=yes, the plan set no \(changed outside the plan\)/);
  }, 60_000);

  it('rolls the last step back on request, verified, and can pause, resume and abort', async () => {
    const chat = await start('rollback');
    await throughDeploy(chat);
    await step(chat, /✅ eqiad first-worker done/);
    expect(await pooled(chat.prefix, 'eqiad', 'wikikube-worker1001')).toBe('yes');
    chat.say(`${K} rollback --dry-run`);
    await chat.waitFor(/conftool \/conftool\/v1\/pools\/eqiad\/maps\/kartotherian-k8s-ssl\/wikikube-worker1001\.eqiad\.wmnet \{"pooled":"yes","weight":10\} → \{"pooled":"inactive","weight":0\}/);
    await step(chat, /✅ \w+ done: .*reverted and verified: wikikube-worker1001 → pooled=inactive · the plan is back at eqiad step 5\/8 first-worker/, 'rollback');
    expect(await pooled(chat.prefix, 'eqiad', 'wikikube-worker1001')).toBe('inactive');

    chat.say('/as alice');
    chat.say(`${K} pause change freeze`);
    await chat.waitFor(/⏸ kartotherian-to-wikikube paused at eqiad step 5\/8 first-worker by alice/);
    chat.say(`${K} next`);
    await chat.waitFor(/✖ The plan is paused: paused by alice: change freeze/);
    chat.say(`${K} resume`);
    await chat.waitFor(/▶ kartotherian-to-wikikube resumed by alice: ready at eqiad step 5\/8 first-worker/);
    chat.say(`${K} abort not today`);
    await chat.waitFor(/⏹ kartotherian-to-wikikube aborted at eqiad step 5\/8 first-worker by alice; nothing was reverted/);
  }, 60_000);

  it('rollout requests each wave by itself after the previous one soaked clean', async () => {
    const chat = await start('rollout');
    await throughDeploy(chat);
    await step(chat, /✅ eqiad first-worker done/);
    await step(chat, /✅ eqiad observe done/);
    await step(chat, /✅ eqiad waves wave 1\/4 done/, 'rollout');
    // The next wave was requested by the rollout, for the same person, and waits for approval.
    const [, id] = await chat.waitFor(/⏳ (\w+): alice asks to run kartotherian-to-wikikube eqiad waves wave 2/);
    chat.say('/as carol');
    chat.say(`!approve ${id}`);
    await chat.waitFor(/✅ eqiad waves wave 2\/4 done/, { timeoutMs: 20_000 });
    await chat.waitFor(/⏳ \w+: alice asks to run kartotherian-to-wikikube eqiad waves wave 3/);
  }, 60_000);

  it('an adapter that hangs times out with a clear error, and the service lock is released', async () => {
    const quick = structuredClone(config);
    const simulation = quick.services['kartotherian']?.backends.simulation;
    if (simulation === undefined) throw new Error('no simulation settings');
    simulation.adapter_timeout_ms = 300;
    const chat = await start('hang', { config: quick });
    chat.say(`${K} simulate hang puppet`);
    await chat.waitFor(/hanging: puppet/);
    const mark = chat.transcript().length;
    chat.say(`${K} next`);
    const [, id] = await chat.waitFor(/⏳ (\w+):/, { from: mark });
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    await chat.waitFor(new RegExp(`❌ ${id} failed: .*puppet did not answer within 300 ms`), { from: mark });
    chat.say(`${K} status --dc eqiad --service kartotherian`);
    await chat.waitFor(/lock: free/, { from: mark });
  }, 60_000);
});
