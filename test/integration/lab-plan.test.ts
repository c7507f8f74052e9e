import { describe, expect, it } from 'vitest';
import { K, labStep, useLabBots } from '../helpers/lab-bot.js';
import { soakThrough } from '../helpers/lab-faults.js';

/**
 * The whole Kartotherian plan for both DCs on the lab (lab/): real etcd in conftool's layout, real
 * HAProxy on the VIPs programmed by pybal monitors that read etcd, TLS servers with the lab CA,
 * CDN traffic through the VIPs, Prometheus with production's series, and stand-in cumin, helmfile,
 * kubectl and cookbook acting on it. The bot runs its production backends against it, unchanged:
 * only PATH and network.resolve say it is a lab. Soaks are scaled 100× down.
 */
describe('the whole plan on the lab, through the production adapters', () => {
  const bots = useLabBots({ timeScale: 0.01, prefix: 'lab-plan' });

  it('moves both DCs to Wikikube with approvals, and the CDN sees no failed request', async () => {
    const chat = await bots.start('whole');
    const { lab } = bots.lab();
    for (const dc of ['eqiad', 'codfw']) {
      await labStep(chat, new RegExp(`✅ ${dc} nginx-tls-6543 done: puppet on A:maps-${dc}: ✅ 6 changed .* · TLS on 6543: 6/6 maps hosts ok`));
      await labStep(chat, new RegExp(`✅ ${dc} lvs-k8s-service done: kartotherian-k8s-ssl live on lvs\\d+ then lvs\\d+ · VIP kartotherian-k8s-ssl VIP ok \\(5/5.* · pybal kartotherian-k8s-ssl: 6 maps hosts enabled/up on 2 LVS`));
      // Before any worker is pooled the CDN soak judges bare metal only; a loaded machine may leave it inconclusive: resumed, as the fault tests do.
      const cdnDone = new RegExp(`✅ ${dc} cdn-to-6543 done: soak of \\d+s passed`);
      await soakThrough(chat, await labStep(chat, new RegExp(`${cdnDone.source}|⏸ kartotherian-to-wikikube paused: inconclusive health`)), cdnDone);
      await labStep(chat, new RegExp(`✅ ${dc} helm-deploy done: .*4/4 ready.* · NodePort 6543 on wikikube-worker\\d+: 200`));
      await labStep(chat, new RegExp(`✅ ${dc} first-worker done: soak of \\d+s passed .* req/s on k8s`));
      await labStep(chat, new RegExp(`✅ ${dc} observe done: \\d+% of traffic on k8s`));
      for (let wave = 1; wave <= 4; wave += 1) await labStep(chat, new RegExp(`✅ ${dc} waves wave ${wave}/4 done: soak of \\d+s passed`));
      await labStep(chat, new RegExp(`✅ ${dc} retire-bare-metal done`));
    }
    await chat.waitFor(/the plan is complete/);
    // What the balancers do now, not what conftool says: only workers carry the k8s pool.
    for (const dc of ['eqiad', 'codfw']) {
      const weights = await lab.loadBalancer.weights(dc, 'kartotherian-k8s-ssl');
      const carrying = Object.entries(weights).filter(([, weight]) => weight > 0).map(([host]) => host.split('.')[0]);
      expect(carrying.sort()).toEqual([1, 2, 3, 4].map((n) => `wikikube-worker${dc === 'eqiad' ? 1 : 2}00${n}`));
    }
    const tally = lab.cdnTally();
    console.log(`lab plan: CDN sent ${tally.total.sent} requests through the VIPs during the migration, ${tally.total.failed} failed`);
    expect(tally.total.sent).toBeGreaterThan(1000);
    expect(tally.total.failed).toBe(0);
    chat.say(`${K} plan`);
    await chat.waitFor(/· done at /);
  }, 600_000);
});
