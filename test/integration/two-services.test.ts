import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import type { ConsoleBot } from '../helpers/console-bot.js';
import { useConsoleBots } from '../helpers/console-bots.js';
import { requestStep } from '../helpers/plan-steps.js';

const CONFIG_PATH = new URL('../fixtures/two-services/config.yaml', import.meta.url).pathname;

/**
 * Thumbor beside Kartotherian in one bot (test/fixtures/two-services): both plans run on the
 * simulated fleet from one console, a step of one then a step of the other, while Thumbor's
 * world is given faults. Everything below chat is per service, so Kartotherian's steps, pools
 * and faults must not notice.
 */
describe('two services, one bot: plans interleaved on the simulated fleet', () => {
  let config: Config;
  const bots = useConsoleBots(() => config);
  // The plan files are found next to the fixture.
  const start = (label: string): ReturnType<typeof bots.start> => bots.start(label, { configPath: CONFIG_PATH });

  beforeAll(async () => {
    config = await loadConfig(CONFIG_PATH);
    for (const plan of Object.values(config.plans)) plan.time_scale = 0.001;
  });

  async function pooled(prefix: string, path: string): Promise<string | undefined> {
    const raw = await bots.redis.hget(`${prefix}:sim:conftool`, `/conftool/v1/pools/eqiad/${path}`);
    return raw === null ? undefined : (JSON.parse(raw) as { pooled: string }).pooled;
  }

  /** Alice asks for the service's next step, bob approves it; resolves with the whole line matching `expected`. */
  async function step(chat: ConsoleBot, service: string, expected: RegExp): Promise<string> {
    const mark = chat.transcript().length;
    const id = await requestStep(chat, 'rehearsal', service);
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    if (/needs 2 approval/.test(chat.transcript().slice(mark).join('\n'))) {
      chat.say('/as carol');
      chat.say(`!approve ${id}`);
    }
    return (await chat.waitFor(expected, { from: mark, timeoutMs: 20_000 })).input;
  }

  /** Says a line as alice; resolves with the whole reply line that matches `expected`. */
  async function ask(chat: ConsoleBot, line: string, expected: RegExp): Promise<string> {
    const mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(line);
    return (await chat.waitFor(expected, { from: mark })).input;
  }

  it("Thumbor's faults (hung puppet, a broken worker, hung conftool) fail Thumbor's steps and leave Kartotherian's alone", async () => {
    const chat = await start('two-services');
    await chat.waitFor(/try !kartotherian help or !thumbor help/);

    // Kartotherian's puppet step runs while Thumbor's puppet hangs (the finding: one fault set for all).
    await ask(chat, '!thumbor simulate hang puppet', /simulated faults now: hanging: puppet/);
    await step(chat, 'kartotherian', /✅ eqiad nginx-tls-6543 done: .*TLS on 6543: 6\/6 maps hosts answer/);

    // Thumbor's release is its own: thumbor-main on NodePort 8800 (the port of the pool its workers join).
    const mark = chat.transcript().length;
    await step(chat, 'thumbor', /✅ eqiad helm-deploy done: .*NodePort 8800 answers 200 on a worker/);
    // (Kartotherian's request may still be saying it is done meanwhile: its lines are left out.)
    const deployed = chat.transcript().slice(mark).filter((line) => !line.includes('kartotherian-to-wikikube')).join('\n');
    expect(deployed).toMatch(/kubectl -n thumbor rollout status deployment\/thumbor-main/);
    expect(deployed).toMatch(/helm diff: 2 objects change: Deployment\/thumbor-main \(new\), Service\/thumbor-main-tls-service \(new\); replicas ∅ → 10; image thumbor-main ∅ → simulated; ⚠ nodePort ∅ → 8800/);
    expect(deployed).not.toMatch(/6543|kartotherian-main|-n kartotherian/);
    expect(deployed).toMatch(/!log \[eqiad\] helmfile apply thumbor - rehearsal - alice@cutover/);

    await ask(chat, '!thumbor simulate broken wikikube1101', /broken \(pass checks, fail real requests\): wikikube-worker1101/);
    await step(chat, 'kartotherian', /✅ eqiad lvs-k8s-service done: .*VIP kartotherian-k8s-ssl \(eqiad\): 200 .*pybal kartotherian-k8s-ssl: 6 maps hosts enabled\/up/);

    // One Thumbor worker beside four thumbor hosts takes 1/5 of Thumbor's 300 req/s, and fails all of it.
    await step(chat, 'thumbor', /❌ \w+ failed: .*first-worker failed verification: real requests fail on wikikube-worker1101 \(probes 0\/5: 503 ×5\) · VIP 4\/5 ok \(503 ×1\) · k8s 5xx 100\.0% at 60 req\/s · rolled back 1 change/);
    await ask(chat, '!thumbor plan', /blocking: verification failed: real requests fail on wikikube-worker1101/);

    // Thumbor's conftool pools hang from now on; Kartotherian's soak and pool writes go through.
    await ask(chat, '!thumbor simulate hang pooling', /simulated faults now: .*hanging: puppet, pooling/);
    await step(chat, 'kartotherian', /✅ eqiad cdn-to-6543 done: soak of .* passed/);
    await ask(chat, '!thumbor status --dc eqiad', /pooling \(conftool\) did not answer within 300 ms/);
    await step(chat, 'kartotherian', /✅ eqiad helm-deploy done: .*NodePort 6543 answers 200 on a worker/);
    await step(chat, 'kartotherian', /✅ eqiad first-worker done: soak of .* passed/);

    const thumborFaults = await ask(chat, '!thumbor simulate show', /simulated faults: /);
    expect(thumborFaults).toMatch(/broken \(pass checks, fail real requests\): wikikube-worker1101 · hanging: puppet, pooling/);
    expect(await ask(chat, '!kartotherian simulate show', /simulated faults: /)).toMatch(/simulated faults: none$/);

    // Kartotherian's first worker is pooled and its bare metal untouched; Thumbor's worker went back to inactive.
    expect(await pooled(chat.prefix, 'maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet')).toBe('yes');
    for (const maps of [5, 6, 7, 8, 9, 10]) expect(await pooled(chat.prefix, `maps/kartotherian-k8s-ssl/maps10${String(maps).padStart(2, '0')}.eqiad.wmnet`)).toBe('yes');
    expect(await pooled(chat.prefix, 'thumbor/thumbor/wikikube-worker1101.eqiad.wmnet')).toBe('inactive');
    for (const host of [5, 6, 7, 8]) expect(await pooled(chat.prefix, `thumbor/thumbor/thumbor100${host}.eqiad.wmnet`)).toBe('yes');
    // Each world keeps its own keys: features and releases too.
    expect(await bots.redis.exists(`${chat.prefix}:sim:kartotherian:faults`)).toBe(0);
    expect(await bots.redis.smembers(`${chat.prefix}:sim:thumbor:features`)).toEqual([]);
    expect(await bots.redis.hkeys(`${chat.prefix}:sim:thumbor:helm`)).toEqual(['eqiad']);
    expect((await bots.redis.smembers(`${chat.prefix}:sim:kartotherian:features`)).sort()).toEqual(['eqiad/ats-kartotherian-6543', 'eqiad/lvs-kartotherian-k8s-ssl', 'eqiad/maps-nginx-tls-6543']);
  }, 120_000);

  it("runs Thumbor's whole plan from YAML alone, step for step beside Kartotherian's, and each moves only its own pools", async () => {
    const chat = await start('two-services-whole');
    await step(chat, 'kartotherian', /✅ eqiad nginx-tls-6543 done/);
    await step(chat, 'thumbor', /✅ eqiad helm-deploy done: .*NodePort 8800 answers 200/);
    await step(chat, 'kartotherian', /✅ eqiad lvs-k8s-service done/);
    await step(chat, 'thumbor', /✅ eqiad first-worker done: soak of .* passed/);
    await step(chat, 'kartotherian', /✅ eqiad cdn-to-6543 done/);
    await step(chat, 'thumbor', /✅ eqiad waves wave 1\/2 done/);
    await step(chat, 'kartotherian', /✅ eqiad helm-deploy done: .*NodePort 6543 answers 200/);
    await step(chat, 'thumbor', /✅ eqiad waves wave 2\/2 done/);
    await step(chat, 'kartotherian', /✅ eqiad first-worker done/);
    await step(chat, 'thumbor', /✅ eqiad retire-bare-metal done/);
    await ask(chat, '!thumbor plan', /thumbor-to-wikikube · done at eqiad step 4\/4 retire-bare-metal/);

    for (const worker of [1101, 1102]) expect(await pooled(chat.prefix, `thumbor/thumbor/wikikube-worker${worker}.eqiad.wmnet`)).toBe('yes');
    for (const host of [5, 6, 7, 8]) expect(await pooled(chat.prefix, `thumbor/thumbor/thumbor100${host}.eqiad.wmnet`)).toBe('inactive');
    // Kartotherian is one worker into its own plan, bare metal all still there.
    expect(await pooled(chat.prefix, 'maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet')).toBe('yes');
    for (const worker of [1002, 1003, 1004]) expect(await pooled(chat.prefix, `maps/kartotherian-k8s-ssl/wikikube-worker${worker}.eqiad.wmnet`)).toBe('inactive');
    for (const maps of [5, 6, 7, 8, 9, 10]) expect(await pooled(chat.prefix, `maps/kartotherian-k8s-ssl/maps10${String(maps).padStart(2, '0')}.eqiad.wmnet`)).toBe('yes');
    await ask(chat, '!kartotherian plan', /kartotherian-to-wikikube \(T378944\) · ready at eqiad step 6\/8 observe/);
  }, 120_000);
});
