import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import type { ConsoleBot } from '../helpers/console-bot.js';
import { useConsoleBots } from '../helpers/console-bots.js';
import { auditRows, eventually } from '../helpers/fault-checks.js';
import { throughDeploy } from '../helpers/plan-steps.js';
import { PoolTimeline } from '../helpers/pool-timeline.js';

const K = '!kartotherian';
const path = (host: string, lvsService = 'kartotherian-k8s-ssl', dc = 'eqiad'): string => `/conftool/v1/pools/${dc}/maps/${lvsService}/${host}.${dc}.wmnet`;
const MAPS = ['eqiad', 'codfw'].flatMap((dc) =>
  ['kartotherian', 'kartotherian-ssl', 'kartotherian-k8s-ssl'].flatMap((lvs) => [5, 6, 7, 8, 9, 10].map((n) => path(`maps${dc === 'eqiad' ? 1 : 2}0${String(n).padStart(2, '0')}`, lvs, dc))),
);

type Chat = ConsoleBot & { prefix: string };

/**
 * The outages of February 2025 replayed as the operators made them: single hand actions through
 * the console, alice asking and bob approving, against real Redis and the simulated fleet. The
 * guard runs at its default 5 s probe interval unless a scenario says otherwise.
 */
describe('incident replays: hand pool and depool through the console', () => {
  let config: Config;
  const bots = useConsoleBots(() => config);
  let timeline: PoolTimeline | undefined;

  beforeAll(async () => {
    config = await loadConfig();
    const plan = config.plans['kartotherian'];
    if (plan === undefined) throw new Error('the shipped config lost its plan');
    // Only the plan's first four steps run here (they move the CDN to 6543); their soaks are not what is tested.
    plan.time_scale = 0.001;
  });

  afterEach(async () => {
    await timeline?.stop();
    timeline = undefined;
  });

  /** Conftool, the channel and the proof records, every 25 ms from now on. */
  async function watch(chat: Chat): Promise<PoolTimeline> {
    timeline = new PoolTimeline(bots.redis, chat.prefix, chat);
    await timeline.start();
    return timeline;
  }

  /** alice asks; the request id, or the bot's refusal at request time. */
  async function ask(chat: ConsoleBot, line: string): Promise<{ id: string; line: string } | { refused: string }> {
    const mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(line);
    const [whole, id, refused] = await chat.waitFor(/^<cutover> (?:⏳ (\w+): alice asks.*|✖ (.*))$/, { from: mark });
    return id !== undefined ? { id, line: whole } : { refused: refused ?? '' };
  }

  async function askId(chat: ConsoleBot, line: string): Promise<string> {
    const answer = await ask(chat, line);
    if (!('id' in answer)) throw new Error(`refused at request: ${answer.refused}`);
    return answer.id;
  }

  /** bob approves; the request's result line. */
  async function approve(chat: ConsoleBot, id: string): Promise<string> {
    const mark = chat.transcript().length;
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    const [line] = await chat.waitFor(new RegExp(`^<cutover> (?:(?:✅|❌|➖) ${id}\\b|✖ ).*$`), { from: mark, timeoutMs: 20_000 });
    return line;
  }

  async function pooled(chat: Chat, conftoolPath: string): Promise<string | undefined> {
    const raw = await bots.redis.hget(`${chat.prefix}:sim:conftool`, conftoolPath);
    return raw === null ? undefined : (JSON.parse(raw) as { pooled: string }).pooled;
  }

  /** Every bare-metal key (three pools, both DCs) read now, and no transition of one away from yes at any time. */
  async function expectBareMetalNeverLeft(chat: Chat, seen: PoolTimeline): Promise<void> {
    expect(seen.transitions.filter((transition) => /\/maps\d+\./.test(transition.path) && transition.to !== 'yes')).toEqual([]);
    expect(await Promise.all(MAPS.map((key) => pooled(chat, key)))).toEqual(MAPS.map(() => 'yes'));
  }

  it('2025-02-17: four workers answering 503 pooled by hand, three bare-metal depools → no bare metal ever leaves, each worker is depooled by the guard within 10 s', async () => {
    const chat = await bots.start('incident-0217');
    await throughDeploy(chat);
    const seen = await watch(chat);
    chat.say(`${K} simulate broken wikikube1001 wikikube1002 wikikube1003 wikikube1004`);
    await chat.waitFor(/broken \(pass checks, fail real requests\): wikikube-worker1001, wikikube-worker1002, wikikube-worker1003, wikikube-worker1004/);

    // 12:49 UTC: four workers pooled by hand, each asked by alice and approved by bob.
    const workers = ['wikikube-worker1001', 'wikikube-worker1002', 'wikikube-worker1003', 'wikikube-worker1004'];
    const ids: string[] = [];
    for (const worker of workers) ids.push(await askId(chat, `${K} pool ${worker} k8s capacity for maps --task T386648`));
    for (const [index, id] of ids.entries()) {
      expect(await approve(chat, id)).toMatch(new RegExp(`✅ ${id} done: pool ${workers[index]}\\.eqiad\\.wmnet .*pooled=inactive weight=0 → pooled=yes weight=10, read back and verified`));
    }

    // 14:15 UTC: three bare-metal depools. Whether the guard has already taken the workers out or not, bare metal stays.
    for (const maps of ['maps1005', 'maps1006', 'maps1007']) {
      const answer = await ask(chat, `${K} depool ${maps} --service kartotherian-k8s-ssl k8s takes over --task T386648`);
      const refusal = 'id' in answer ? await approve(chat, answer.id) : answer.refused;
      expect(refusal).toMatch(
        new RegExp(`Refused(?: at execution)?: (?:depool ${maps}: )?${maps} stays(?: until every pooled worker has served real requests through the VIP: wikikube-worker100\\d \\(wikikube-worker100\\d fails real requests: probes 0/\\d \\(503 ×\\d\\)|: no Wikikube worker serves in kartotherian-k8s-ssl \\(eqiad\\))`),
      );
    }

    // Workers depooled in the same look share one line, their names folded (`wikikube-worker[1003-1004]`).
    for (const [index, worker] of workers.entries()) {
      await eventually(`the guard's line about ${worker}`, async () => chat.transcript(), (lines) => lines.some((line) => line.startsWith('<cutover> !log cutover-guard@cutover') && names(line, worker)), 15_000);
      const lines = chat.transcript();
      const line = lines.find((candidate) => candidate.startsWith('<cutover> ⏪ guard depooled') && names(candidate, worker)) ?? '';
      expect(line).toMatch(/ from kartotherian-k8s-ssl \(eqiad\), verified: \S+ fails? real requests: probes 0\/3 \(503 ×3\)( each)? · VIP \d\/\d ok.* · k8s 5xx 100\.0% at \d+ req\/s · after: /);
      const log = lines.find((candidate) => candidate.startsWith('<cutover> !log cutover-guard@cutover') && names(candidate, worker)) ?? '';
      expect(log).toMatch(new RegExp(`^<cutover> !log cutover-guard@cutover conftool \\S+\\.eqiad\\.wmnet kartotherian-k8s-ssl \\(eqiad\\): pooled=yes → no weight=10 - guard: \\S+ fails? real requests: probes 0/3 \\(503 ×3\\)( each)? · .*k8s 5xx 100\\.0% at \\d+ req/s - pooled by alice in (\\w+, )*${ids[index] ?? ''}(, \\w+)* - T386648$`));
    }
    await seen.stop();

    // Each worker failed every real request from the moment it was pooled; the guard took it out within 10 s.
    for (const [index, worker] of workers.entries()) {
      const pooledAt = seen.firstAt(path(worker), (state) => state === 'yes') ?? Number.NaN;
      const doneAt = seen.lineAt(new RegExp(`✅ ${ids[index] ?? ''} done`)) ?? Number.NaN;
      const depooledAt = seen.firstAt(path(worker), (state) => state === 'no', pooledAt) ?? Number.NaN;
      console.log(`2025-02-17 ${worker}: depooled by the guard ${((depooledAt - pooledAt) / 1000).toFixed(3)} s after its pooled=yes write, ${((depooledAt - doneAt) / 1000).toFixed(3)} s after the ✅ done line`);
      expect(depooledAt - pooledAt).toBeLessThanOrEqual(10_000);
      expect(depooledAt - doneAt).toBeLessThanOrEqual(10_000);
      expect(await pooled(chat, path(worker))).toBe('no');
    }
    await expectBareMetalNeverLeft(chat, seen);
    expect([...seen.proven.keys()]).toEqual([]);
    const audit = await auditRows(bots.redis, chat.prefix);
    expect(audit.filter((row) => row.event === 'guard.depooled').map((row) => row.detail.split(' ')[0])).toEqual(expect.arrayContaining(workers.map((worker) => `${worker}.eqiad.wmnet`)));
    expect(audit.filter((row) => row.event === 'guard.depooled')).toHaveLength(4);
    expect(audit.filter((row) => row.event === 'action.succeeded' && /depool maps/.test(row.detail))).toEqual([]);
    // cutover pooled them itself: that is not drift.
    expect(chat.transcript().join('\n')).not.toMatch(/👁 drift/);

    const mark = chat.transcript().length;
    chat.say(`${K} status --dc eqiad --service kartotherian-k8s-ssl`);
    await chat.waitFor(/eqiad kartotherian-k8s-ssl:6543 — pooled 6, depooled 4, inactive 0 .*yes w10: maps\[1005-1010\]/, { from: mark });
    // What status said on the day was "40% of traffic on k8s · 5xx 100.0%".
    await chat.waitFor(/eqiad health via kartotherian-k8s-ssl: 0% of traffic on k8s · 5xx no data · p99 no data · 0\.0 req\/s on k8s · bare metal \(probe sample, \d+ requests to \d+ hosts\)/, { from: mark });
  }, 120_000);

  it('2025-02-19: workers whose certificate lacks the public name are never counted as serving: depooled by the guard, bare metal refused at request and at execution', async () => {
    const chat = await bots.start('incident-0219');
    await throughDeploy(chat);
    const seen = await watch(chat);
    chat.say(`${K} simulate wrong-cert wikikube1001 wikikube1002`);
    await chat.waitFor(/certificate lacks the public name \(pass checks, fail real requests\): wikikube-worker1001, wikikube-worker1002/);

    // Asked while no worker is in the pool, bare metal's own arithmetic allows it; it waits for bob.
    const early = await ask(chat, `${K} depool maps1006 --service kartotherian-k8s-ssl reimage`);
    if (!('id' in early)) throw new Error(`refused at request: ${early.refused}`);
    expect(early.line).toMatch(/asks to depool maps1006\.eqiad\.wmnet from kartotherian-k8s-ssl \(eqiad\), now pooled=yes weight=10 · health now: 0% on k8s .* · proven workers: none · /);

    const ids: string[] = [];
    for (const worker of ['wikikube1001', 'wikikube1002']) {
      const id = await askId(chat, `${K} pool ${worker} mesh certificate renewed --task T386926`);
      expect(await approve(chat, id)).toMatch(new RegExp(`✅ ${id} done: pool wikikube-worker${worker.slice(-4)}`));
      ids.push(id);
    }
    // Depooled in one look or two: a shared line folds their names.
    for (const [index, worker] of ['wikikube-worker1001', 'wikikube-worker1002'].entries()) {
      await eventually(`the guard's line about ${worker}`, async () => chat.transcript(), (lines) => lines.some((line) => line.startsWith('<cutover> !log cutover-guard@cutover') && names(line, worker)), 15_000);
      const lines = chat.transcript();
      expect(lines.find((line) => line.startsWith('<cutover> ⏪ guard depooled') && names(line, worker))).toMatch(/ from kartotherian-k8s-ssl \(eqiad\), verified: \S+ fails? real requests: probes 0\/3 \(names ×3\)( each)? · VIP \d\/\d ok.* · k8s 5xx 100\.0% at \d+ req\/s/);
      expect(lines.find((line) => line.startsWith('<cutover> !log cutover-guard@cutover') && names(line, worker))).toMatch(new RegExp(`pooled=yes → no weight=10 - guard: \\S+ fails? real requests: probes 0/3 \\(names ×3\\).* - pooled by alice in (\\w+, )*${ids[index] ?? ''}(, \\w+)* - T386926$`));
    }

    // A new depool is refused at request; the one approved before the pools is refused at execution.
    const refused = await ask(chat, `${K} depool maps1005 --service kartotherian-k8s-ssl k8s takes over`);
    expect('refused' in refused ? refused.refused : refused.line).toMatch(/^Refused: depool maps1005: maps1005 stays: no Wikikube worker serves in kartotherian-k8s-ssl \(eqiad\), so bare metal would only shift its load onto fewer bare-metal hosts · after: .*\. Bare metal may leave again once a pooled worker has proven itself; workers depooled after failing still belong to the migration until they are set inactive\.$/);
    expect(await approve(chat, early.id)).toMatch(new RegExp(`❌ ${early.id} failed: .*Refused at execution: maps1006 stays: no Wikikube worker serves in kartotherian-k8s-ssl \\(eqiad\\)`));

    await seen.stop();
    await expectBareMetalNeverLeft(chat, seen);
    expect([...seen.proven.keys()]).toEqual([]);
    expect(await pooled(chat, path('wikikube-worker1001'))).toBe('no');
    expect(await pooled(chat, path('wikikube-worker1002'))).toBe('no');
    expect(chat.transcript().join('\n')).not.toMatch(/is proven in|👁 drift/);
    const mark = chat.transcript().length;
    chat.say(`${K} status --dc eqiad --service kartotherian-k8s-ssl`);
    await chat.waitFor(/eqiad kartotherian-k8s-ssl:6543 — pooled 6, depooled 2, inactive 2 /, { from: mark });
  }, 120_000);

  it('a healthy worker pooled by hand: a bare-metal depool before it has served real requests long enough is refused with the numbers, and goes through once it is proven; plan names both changes', async () => {
    const quick = structuredClone(config);
    const service = quick.services['kartotherian'];
    if (service === undefined) throw new Error('no kartotherian');
    // Not about timing: proof takes 3 s instead of 5 min, checked every second.
    service.guard = { ...service.guard, prove_seconds: 3, probe_interval_seconds: 1 };
    const chat = await bots.start('incident-unproven', { config: quick });
    await throughDeploy(chat);
    const seen = await watch(chat);
    const id = await askId(chat, `${K} pool wikikube1001 first k8s capacity --task T386648`);
    expect(await approve(chat, id)).toMatch(new RegExp(`✅ ${id} done: pool wikikube-worker1001`));

    const early = await ask(chat, `${K} depool maps1005 --service kartotherian-k8s-ssl k8s serves now`);
    expect('refused' in early ? early.refused : early.line).toMatch(
      /^Refused: depool maps1005: maps1005 stays until every pooled worker has served real requests through the VIP: wikikube-worker1001 \(wikikube-worker1001 serves real requests: probes 2\/2 · VIP 2\/2 ok · k8s 5xx 0\.05% at 114 req\/s; serving for [0-2]s of the 3s that prove it\) · after: 5 serving of 7 counted \(inactive excluded; 1 pooled worker\(s\) not proven are not capacity\) ≥ floor 4 = ceil\(7 × 0\.5\)/,
    );
    let mark = chat.transcript().length;
    chat.say(`${K} plan`);
    await chat.waitFor(/^<cutover> blocking: .* · outside the plan in eqiad: wikikube-worker1001 pooled$/, { from: mark });

    await chat.waitFor(/✅ wikikube-worker1001 is proven in kartotherian-k8s-ssl \(eqiad\): real requests served for 3s without a failure · wikikube-worker1001 serves real requests: probes 2\/2/, { timeoutMs: 15_000 });
    const later = await askId(chat, `${K} depool maps1005 --service kartotherian-k8s-ssl k8s serves now`);
    expect(chat.transcript().join('\n')).toMatch(new RegExp(`⏳ ${later}: alice asks to depool maps1005.* · proven workers: wikikube-worker1001 · after: 6 serving of 7 counted`));
    expect(await approve(chat, later)).toMatch(new RegExp(`✅ ${later} done: depool maps1005`));
    expect(await pooled(chat, path('maps1005'))).toBe('no');
    mark = chat.transcript().length;
    chat.say(`${K} plan`);
    await chat.waitFor(/^<cutover> blocking: .* · outside the plan in eqiad: wikikube-worker1001 pooled; maps1005 \(no\) out$/, { from: mark });
    await seen.stop();
    const provenAt = seen.proven.get('wikikube-worker1001.eqiad.wmnet') ?? Number.NaN;
    const pooledAt = seen.firstAt(path('wikikube-worker1001'), (state) => state === 'yes') ?? Number.NaN;
    console.log(`unproven worker: proven ${((provenAt - pooledAt) / 1000).toFixed(2)} s after its pool (prove_seconds 3, probe interval 1 s)`);
    expect(provenAt - pooledAt).toBeGreaterThanOrEqual(3000);
    // Both are sampled every 25 ms: the depool may land in the very sample that first shows the proof.
    expect(seen.firstAt(path('maps1005'), (state) => state === 'no')).toBeGreaterThanOrEqual(provenAt);
  }, 120_000);

  it('without traffic on the k8s pool (CDN still on 6533) a healthy hand-pooled worker is inconclusive, which is not proven: bare metal stays', async () => {
    const chat = await bots.start('incident-no-traffic');
    const id = await askId(chat, `${K} pool wikikube1001 early capacity`);
    expect(await approve(chat, id)).toMatch(new RegExp(`✅ ${id} done: pool wikikube-worker1001`));
    await chat.waitFor(/❔ inconclusive, not proven: wikikube-worker1001: probes 2\/2, but k8s traffic .* is under the floor of 1 req\/s .* in kartotherian-k8s-ssl \(eqiad\); it is not counted as capacity until real traffic shows it serving/);
    const answer = await ask(chat, `${K} depool maps1005 --service kartotherian-k8s-ssl k8s serves now`);
    expect('refused' in answer ? answer.refused : answer.line).toMatch(
      /^Refused: depool maps1005: maps1005 stays until every pooled worker has served real requests through the VIP: wikikube-worker1001 \(wikikube-worker1001: probes 2\/2, but k8s traffic .* is under the floor of 1 req\/s/,
    );
    expect(await pooled(chat, path('maps1005'))).toBe('yes');
    expect(await pooled(chat, path('wikikube-worker1001'))).toBe('yes');
  }, 60_000);
});

/** Whether a guard line names `worker`, alone or folded into a node set such as `wikikube-worker[1001,1003-1004]`. */
function names(line: string, worker: string): boolean {
  const set = / (?:depooled|conftool) (\S+?)(?:\.eqiad\.wmnet)? /.exec(line)?.[1] ?? '';
  if (set === worker) return true;
  const folded = /^(.*)\[([^\]]+)\]$/.exec(set);
  if (folded === null || !worker.startsWith(folded[1] ?? '\u0000')) return false;
  const number = Number(worker.slice((folded[1] ?? '').length));
  return (folded[2] ?? '').split(',').some((range) => {
    const [low = '', high = low] = range.split('-');
    return number >= Number(low) && number <= Number(high);
  });
}
