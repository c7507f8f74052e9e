import { describe, expect, it } from 'vitest';
import type { LabFault } from '../../lab/control-api.js';
import { K, useLabBots } from '../helpers/lab-bot.js';
import { balancerWeights, cdnSince, etcdPooled, expectBareMetalPooled, labApproved, labThroughDeploy, outcomeOf, workerAnswered } from '../helpers/lab-faults.js';
import { relocated } from '../helpers/lab-world.js';

/**
 * Issue 13 item 3 on the lab, at the protocol level: a Wikikube worker with a fault of its real
 * TLS server (lab/hosts) at the first-worker step. The plan pools it through real etcd, the pybal
 * monitors program HAProxy, the CDN sends real requests through the VIP; the bot's verification
 * must fail on what the real probes see, depool the worker again (etcd and the balancer agree),
 * and leave every bare-metal host pooled. Each describe has its own lab on its own addresses.
 */
const cases: Array<{ name: string; base: number; fault: LabFault; words: RegExp }> = [
  { name: 'a worker that accepts TCP and answers 503 (unavailable)', base: 60, fault: { kind: 'unavailable' }, words: /503/ },
  { name: 'a worker whose certificate lacks the public name (wrong-cert, 2025-02-19)', base: 64, fault: { kind: 'wrong-cert' }, words: /name/ },
  { name: 'a worker that hangs after the TLS handshake (hang)', base: 68, fault: { kind: 'hang' }, words: /time(d)? ?out/i },
];

for (const { name, base, fault, words } of cases) {
  describe(`lab fault: ${name}`, () => {
    const bots = useLabBots({ topology: (topology) => relocated(topology, base), prefix: `lab-faults-${fault.kind}` });

    it('fails first-worker verification, depools the worker again, and no bare metal leaves', async () => {
      const chat = await bots.start(`fault-${fault.kind}`);
      const { lab } = bots.lab();
      await labThroughDeploy(chat);
      lab.setFault('wikikube-worker1001.eqiad.wmnet', fault);
      const before = lab.cdnTally();
      const request = await labApproved(chat, 'next first canary');
      const [paused] = await chat.waitFor(/⏸ kartotherian-to-wikikube paused: .*|✅ eqiad first-worker done.*/, { from: request.mark, timeoutMs: 80_000 });
      const outcome = await outcomeOf(chat, request, 20_000).catch(() => '(no outcome line for the request)');
      console.log(`[${fault.kind}] channel:\n${chat.transcript().slice(request.mark).join('\n')}`);
      expect(paused).toMatch(/⏸ kartotherian-to-wikikube paused: verification failed: real requests fail on wikikube-worker1001 \(probes 0\/\d+: /);
      expect(paused).toMatch(words);
      expect(paused).toMatch(/rolled back: wikikube-worker1001 → pooled=inactive/);
      expect(outcome).toMatch(/❌/);
      expect(await etcdPooled(bots, 'wikikube-worker1001')).toBe('inactive');
      await expectBareMetalPooled(bots);
      const weights = await balancerWeights(bots);
      expect(weights['wikikube-worker1001'] ?? 0).toBe(0);
      chat.say(`${K} plan`);
      await chat.waitFor(/blocking: verification failed: real requests fail on wikikube-worker1001/, { from: request.mark });
      const cdn = cdnSince(before, lab.cdnTally());
      const answered = await workerAnswered(bots, 'wikikube-worker1001');
      console.log(`[${fault.kind}] wikikube-worker1001's envoy answered ${answered} requests in all (health checks and probes included); CDN eqiad while the faulty worker was pooled: ${cdn.failed} failed of ${cdn.sent} ${JSON.stringify(cdn.byStatus)}; weights now ${JSON.stringify(weights)}`);
      // One worker beside six maps hosts takes about 1/7 of the requests for as long as it is pooled.
      expect(cdn.failed).toBeLessThan(cdn.sent / 4);
    }, 120_000);
  });
}
