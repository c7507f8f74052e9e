import { describe, expect, it } from 'vitest';
import { K, labStep, useLabBots } from '../helpers/lab-bot.js';
import { balancerWeights, cdnSince, etcdPooled, expectBareMetalPooled, labApproved, labThroughDeploy } from '../helpers/lab-faults.js';
import { relocated } from '../helpers/lab-world.js';
import { soaking } from '../helpers/plan-steps.js';

/**
 * Issue 13 item 3 on the lab: faults that only the soak's analysis sees. Latency ×10 on every
 * eqiad worker once a second worker joins (wave 1), read from the envoy sidecars' real histograms
 * in Prometheus; and Prometheus itself stopped in the middle of a soak, which must pause the plan
 * as inconclusive rather than pass it, until a person resumes with Prometheus back.
 */
describe('lab fault: latency ×10 on Wikikube after the second worker', () => {
  // A 150 ms service, so ×10 crosses the plan's absolute p99 limit (1.5 s): on a shared machine the lab
  // judges latency by that limit only (lab/rehearse/open-lab.ts). pybal's ProxyFetch timeout is
  // production's 5 s, so the slow workers stay up for pybal, as they would.
  const bots = useLabBots({ topology: (topology) => relocated(topology, 72), prefix: 'lab-faults-slow', baseLatencyMs: 150, checkTimeoutMs: 5000, cdnTimeoutMs: 10_000 });

  it('the wave 1 soak breaches p99 and rolls the wave back by itself, with the numbers', async () => {
    const chat = await bots.start('fault-slow');
    const { lab } = bots.lab();
    await labThroughDeploy(chat);
    await labStep(chat, /✅ eqiad first-worker done: soak of \d+s passed/);
    await labStep(chat, /✅ eqiad observe done: /);
    for (const worker of [1001, 1002, 1003, 1004]) lab.setFault(`wikikube-worker${worker}.eqiad.wmnet`, { kind: 'slow', factor: 10 });
    const before = lab.cdnTally();
    const request = await labApproved(chat, 'next second worker');
    const [rolled] = await chat.waitFor(/⏪ eqiad waves: .*|✅ eqiad waves wave 1\/4 done.*|⏸ kartotherian-to-wikikube paused: .*/, { from: request.mark, timeoutMs: 60_000 });
    console.log(`[slow] channel:\n${chat.transcript().slice(request.mark).join('\n')}`);
    expect(rolled).toMatch(/⏪ eqiad waves: health breach, rolled back by itself \(wikikube-worker1002 → pooled=inactive, verified\): p99 /);
    // The request itself ended at the pool (✅ … soaking); the soak's analysis is what rolled it back.
    expect(rolled).toMatch(/p99 ≥?\d+(\.\d+)?s > max 1\.50s/);
    expect(await etcdPooled(bots, 'wikikube-worker1002')).toBe('inactive');
    expect(await etcdPooled(bots, 'wikikube-worker1001')).toBe('yes');
    await expectBareMetalPooled(bots);
    const weights = await balancerWeights(bots);
    expect(weights['wikikube-worker1002'] ?? 0).toBe(0);
    const mark = chat.transcript().length;
    chat.say(`${K} plan`);
    await chat.waitFor(/blocking: health breach during soak/, { from: mark });
    const cdn = cdnSince(before, lab.cdnTally());
    console.log(`[slow] CDN eqiad during wave 1: ${cdn.failed} failed of ${cdn.sent} ${JSON.stringify(cdn.byStatus)}; weights now ${JSON.stringify(weights)}`);
    // Slow is not broken: the CDN's 10 s timeout is far above 10× this lab's latency.
    expect(cdn.failed).toBeLessThan(cdn.sent / 100);
  }, 120_000);
});

describe('lab fault: Prometheus stopped in the middle of a soak', () => {
  const bots = useLabBots({ topology: (topology) => relocated(topology, 76), prefix: 'lab-faults-prometheus' });

  it('pauses as inconclusive instead of passing, and resumes cleanly once Prometheus is back and a person says resume', async () => {
    const chat = await bots.start('fault-prometheus');
    const { lab } = bots.lab();
    await labThroughDeploy(chat);
    const request = await labApproved(chat, 'next first canary');
    await soaking(chat, 'kartotherian', 30_000);
    await lab.stopPrometheus();
    const [paused] = await chat.waitFor(/⏸ kartotherian-to-wikikube paused: .*|✅ eqiad first-worker done.*|⏪ .*/, { from: request.mark, timeoutMs: 30_000 });
    console.log(`[prometheus] channel:\n${chat.transcript().slice(request.mark).join('\n')}`);
    expect(paused).toMatch(/⏸ kartotherian-to-wikikube paused: inconclusive/);
    const pausedAt = chat.transcript().findIndex((candidate) => candidate.includes(paused));
    // Nothing was passed on no data: the worker is where the plan put it, bare metal untouched.
    await expectBareMetalPooled(bots);
    let mark = chat.transcript().length;
    chat.say(`${K} next`);
    await chat.waitFor(/✖ The plan is paused: inconclusive/, { from: mark });

    await lab.startPrometheus();
    // A person resumes once Prometheus has a whole analysis window (30 s) again: sooner, the window
    // holds the gap (the rate reads under the floor) and Prometheus' own start on this two-core
    // machine (a few slow requests are the p99 of a few hundred), and the soak judges those.
    const restartedAt = Date.now();
    const answeredMs = await waitUntilAnswered(`${lab.prometheusUrl}/api/v1/query?query=${encodeURIComponent('sum(envoy_cluster_upstream_rq{site="eqiad",prometheus="k8s"})')}`, 20_000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, restartedAt + 31_000 - Date.now())));
    console.log(`[prometheus] answered ${(answeredMs / 1000).toFixed(1)} s after its restart; resumed 31 s after it`);
    // While the plan is paused the guard analyses the DC itself; on this busy machine it may judge the
    // worker's p99 against bare metal's probe sample and depool it. Either end is safe; passing the
    // step without its worker (what resume did before soak-analysis.ts's fix) or on no data is not.
    const rolledBefore = chat.transcript().slice(pausedAt).find((line) => /⏪ eqiad first-worker: /.test(line));
    let after = rolledBefore;
    if (rolledBefore === undefined) {
      mark = chat.transcript().length;
      chat.say('/as alice');
      chat.say(`${K} resume`);
      const [resumed] = await chat.waitFor(/▶ kartotherian-to-wikikube resumed by alice: .*/, { from: mark });
      expect(resumed).toMatch(/soaking at eqiad step 5\/8 first-worker/);
      [after] = await chat.waitFor(/✅ eqiad first-worker done.*|⏸ kartotherian-to-wikikube paused: .*|⏪ eqiad first-worker: .*/, { from: mark, timeoutMs: 40_000 });
    }
    console.log(`[prometheus] from the pause on:\n${chat.transcript().slice(pausedAt).join('\n')}`);
    if (after?.startsWith('✅') === true || after?.includes('✅ eqiad first-worker done') === true) {
      expect(after).toMatch(/✅ eqiad first-worker done: soak of \d+s passed .* on k8s · bare metal/);
      expect(await etcdPooled(bots, 'wikikube-worker1001')).toBe('yes');
    } else {
      expect(after).toMatch(/⏪ eqiad first-worker: .*rolled back by itself/);
      expect(await etcdPooled(bots, 'wikikube-worker1001')).not.toBe('yes');
      mark = chat.transcript().length;
      chat.say(`${K} plan`);
      await chat.waitFor(/blocking: .* during soak/, { from: mark });
    }
    await expectBareMetalPooled(bots);
    const tally = lab.cdnTally();
    console.log(`[prometheus] CDN: ${tally.total.failed} failed of ${tally.total.sent} ${JSON.stringify(tally.total.byStatus)}`);
    // Prometheus is not on the request path; what fails here is this busy machine's (the CDN's 2 s timeout).
    expect(tally.total.failed).toBeLessThan(tally.total.sent / 100);
  }, 120_000);
});

/** Polls a Prometheus query until it returns a series; how long that took. */
async function waitUntilAnswered(url: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const answer = await fetch(url).then(async (response) => (response.ok ? ((await response.json()) as { data?: { result?: unknown[] } }) : undefined)).catch(() => undefined);
    if ((answer?.data?.result?.length ?? 0) > 0) return Date.now() - started;
    if (Date.now() > deadline) throw new Error(`${url} gave no series within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
