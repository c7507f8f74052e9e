import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../../config/load.js';
import type { ConsoleBot } from '../helpers/console-bot.js';
import { K, labStep, useLabBots } from '../helpers/lab-bot.js';
import { balancerWeights, cdnSince, etcdPooled, expectBareMetalPooled, labApproved, labThroughDeploy } from '../helpers/lab-faults.js';
import { relocated } from '../helpers/lab-world.js';
import { soaking } from '../helpers/plan-steps.js';

/**
 * Issue 13 item 3 on the lab: faults of the control plane. The etcd process stopped and started
 * again (same port, same data) in the middle of a wave; a pybal monitor that stops refreshing from
 * etcd on the primary LVS host; and the hand pool/depool guard against real etcd, pybal and probes.
 */

/** alice asks by hand; the request id, or the bot's refusal at request time. */
async function ask(chat: ConsoleBot, line: string): Promise<{ id: string } | { refused: string }> {
  const mark = chat.transcript().length;
  chat.say('/as alice');
  chat.say(line);
  const [, id, refused] = await chat.waitFor(/^<cutover> (?:⏳ (\w+): alice asks.*|✖ (.*))$/, { from: mark });
  return id !== undefined ? { id } : { refused: refused ?? '' };
}

/** bob approves; the request's result line. */
async function approve(chat: ConsoleBot, id: string, timeoutMs = 45_000): Promise<string> {
  const mark = chat.transcript().length;
  chat.say('/as bob');
  chat.say(`!approve ${id}`);
  const [line] = await chat.waitFor(new RegExp(`^<cutover> (?:(?:✅|❌|➖) ${id}\\b|✖ ).*$`), { from: mark, timeoutMs });
  return line;
}

describe('lab fault: the etcd process stopped and started again in the middle of a wave', () => {
  const bots = useLabBots({ topology: (topology) => relocated(topology, 80), prefix: 'lab-faults-etcd' });

  it('the wave pauses with etcd named, nothing is left unsaid, and once etcd is back the wave soaks to its end; no bare metal leaves', async () => {
    const chat = await bots.start('fault-etcd');
    const { lab } = bots.lab();
    await labThroughDeploy(chat);
    await labStep(chat, /✅ eqiad first-worker done: soak of \d+s passed/);
    await labStep(chat, /✅ eqiad observe done: /);
    const request = await labApproved(chat, 'next second worker');
    await soaking(chat, 'kartotherian', 30_000);
    await lab.stopEtcd();
    const [paused] = await chat.waitFor(/⏸ kartotherian-to-wikikube paused: .*|✅ eqiad waves wave 1\/4 done.*|⏪ .*/, { from: request.mark, timeoutMs: 30_000 });
    const pausedAt = chat.transcript().findIndex((line) => line.includes(paused));
    // Asked for the plan while etcd is down: the bot answers and says where it stands.
    let mark = chat.transcript().length;
    chat.say(`${K} next`);
    await chat.waitFor(/✖ The plan is paused: inconclusive/, { from: mark });
    await lab.startEtcd();
    expect(paused).toMatch(/⏸ kartotherian-to-wikikube paused: inconclusive: the soak could not be analysed: .*etcd/i);

    mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(`${K} resume`);
    await chat.waitFor(/▶ kartotherian-to-wikikube resumed by alice: soaking at eqiad step 7\/8 waves/, { from: mark });
    const [after] = await chat.waitFor(/✅ eqiad waves wave 1\/4 done.*|⏸ kartotherian-to-wikikube paused: .*|⏪ .*/, { from: mark, timeoutMs: 30_000 });
    console.log(`[etcd] channel from the pause on:\n${chat.transcript().slice(pausedAt).join('\n')}`);
    expect(after).toMatch(/✅ eqiad waves wave 1\/4 done: soak of \d+s passed/);
    for (const worker of ['wikikube-worker1001', 'wikikube-worker1002']) expect(await etcdPooled(bots, worker)).toBe('yes');
    await expectBareMetalPooled(bots);
    const weights = await balancerWeights(bots);
    expect(weights['wikikube-worker1002']).toBeGreaterThan(0);
    const tally = lab.cdnTally();
    console.log(`[etcd] CDN: ${tally.total.failed} failed of ${tally.total.sent} ${JSON.stringify(tally.total.byStatus)}; weights ${JSON.stringify(weights)}`);
    // The balancer keeps serving what pybal last read while etcd is away; what fails is this busy machine's.
    expect(tally.total.failed).toBeLessThan(tally.total.sent / 100);
  }, 120_000);
});

describe('lab fault: the pybal monitor of the primary LVS host stops refreshing', () => {
  const bots = useLabBots({ topology: (topology) => relocated(topology, 84), prefix: 'lab-faults-pybal' });

  it('a hand pool is written to etcd, and the bot says lvs1019 does not show it', async () => {
    const { lab } = bots.lab();
    // Not about timing: the confirmation gives up after 5 s instead of 30.
    const data = parse(await readFile(bots.lab().configPath, 'utf8')) as { backends: { pybal: Record<string, unknown> } };
    data.backends.pybal['confirm_timeout_ms'] = 5000;
    const configPath = join(lab.dir, 'cutover-lab-pybal.yaml');
    await writeFile(configPath, stringify(data));
    const chat = await bots.start('fault-pybal', { config: parseConfig(stringify(data), configPath), configPath });
    await labThroughDeploy(chat);
    lab.loadBalancer.freezeMonitor('lvs1019.eqiad.wmnet', true);
    const asked = await ask(chat, `${K} pool wikikube1001 first canary --task T378944`);
    if (!('id' in asked)) throw new Error(`refused: ${asked.refused}`);
    const line = await approve(chat, asked.id);
    console.log(`[pybal] ${line}`);
    expect(line).toMatch(new RegExp(`❌ ${asked.id} failed: .*conftool now says pooled=yes for wikikube-worker1001\\.eqiad\\.wmnet, but pybal on lvs1019\\.eqiad\\.wmnet \\([^)]*\\) does not show it; check pybal before anything else`));
    expect(line).not.toMatch(/lvs1020/);
    expect(await etcdPooled(bots, 'wikikube-worker1001')).toBe('yes');
    lab.loadBalancer.freezeMonitor('lvs1019.eqiad.wmnet', false);
    await expectBareMetalPooled(bots);
  }, 120_000);
});

describe('lab: the hand pool/depool guard', () => {
  const bots = useLabBots({ topology: (topology) => relocated(topology, 88), prefix: 'lab-faults-guard' });

  it('a faulty worker pooled by hand is depooled by the guard; a bare-metal depool while a worker is unproven is refused with the arithmetic', async () => {
    const chat = await bots.start('fault-guard');
    const { lab } = bots.lab();
    await labThroughDeploy(chat);
    lab.setFault('wikikube-worker1002.eqiad.wmnet', { kind: 'unavailable' });
    const before = lab.cdnTally();
    for (const worker of ['wikikube1001', 'wikikube1002']) {
      const asked = await ask(chat, `${K} pool ${worker} k8s capacity for maps --task T386648`);
      if (!('id' in asked)) throw new Error(`refused: ${asked.refused}`);
      expect(await approve(chat, asked.id)).toMatch(new RegExp(`✅ ${asked.id} done: pool wikikube-worker100${worker.slice(-1)}\\.eqiad\\.wmnet .*pooled=inactive weight=0 → pooled=yes weight=10, read back and verified`));
    }
    const [depooled] = await chat.waitFor(/⏪ guard depooled wikikube-worker1002 from kartotherian-k8s-ssl \(eqiad\), verified: .*/, { timeoutMs: 30_000 });
    console.log(`[guard] ${depooled}`);
    expect(depooled).toMatch(/wikikube-worker1002 fails real requests: probes 0\/3 \(503 ×3\)/);
    expect(depooled).toMatch(/after: \d+ serving of \d+ counted/);
    await chat.waitFor(/!log cutover-guard@cutover conftool wikikube-worker1002\.eqiad\.wmnet kartotherian-k8s-ssl \(eqiad\): pooled=yes → no weight=10 - guard: .* - T386648/);
    expect(await etcdPooled(bots, 'wikikube-worker1002')).toBe('no');

    const refused = await ask(chat, `${K} depool maps1005 --service kartotherian-k8s-ssl k8s takes over`);
    const refusal = 'refused' in refused ? refused.refused : await approve(chat, refused.id);
    console.log(`[guard] ${refusal}`);
    expect(refusal).toMatch(/Refused(?: at execution)?: (?:depool maps1005: )?maps1005 stays until every pooled worker has served real requests through the VIP: wikikube-worker1001 .* · after: \d+ serving of \d+ counted \(inactive excluded; 1 pooled worker\(s\) not proven are not capacity\) ≥ floor \d+ = ceil\(\d+ × 0\.5\)/);
    await expectBareMetalPooled(bots);
    const weights = await balancerWeights(bots);
    expect(weights['wikikube-worker1002'] ?? 0).toBe(0);
    const cdn = cdnSince(before, lab.cdnTally());
    console.log(`[guard] CDN eqiad while wikikube-worker1002 answered 503: ${cdn.failed} failed of ${cdn.sent} ${JSON.stringify(cdn.byStatus)}; weights now ${JSON.stringify(weights)}`);
    expect(cdn.failed).toBeLessThan(cdn.sent / 4);
  }, 120_000);
});
