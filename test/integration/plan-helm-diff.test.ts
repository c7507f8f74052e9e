import { beforeAll, describe, expect, it } from 'vitest';
import { fleetFaultsSchema } from '../../adapters/simulated/fleet-model.js';
import { FleetState } from '../../adapters/simulated/fleet-state.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { useConsoleBots } from '../helpers/console-bots.js';
import { requestStep, runStep } from '../helpers/plan-steps.js';

const K = '!kartotherian';

/**
 * Issue 14, "the helm diff appears only after approval": on the simulated fleet, the helm step's
 * request shows the diff's summary, `diff ID` shows the whole diff, and a chart changed between
 * filing and approval makes the execution refuse with nothing deployed.
 */
describe("the helm step's diff, shown with the request and bound to it", () => {
  let config: Config;
  const bots = useConsoleBots(() => config);

  beforeAll(async () => {
    config = await loadConfig();
    const plan = config.plans['kartotherian'];
    if (plan === undefined) throw new Error('the shipped config lost its plan');
    plan.time_scale = 0.001;
  });

  it('shows the diff with the request, and refuses to apply a diff other than the one approved', async () => {
    const chat = await bots.start('helm-diff');
    const fleet = new FleetState(bots.redis, chat.prefix, 'kartotherian', fleetFaultsSchema.parse({}));
    await runStep(chat, /✅ eqiad nginx-tls-6543 done/);
    await runStep(chat, /✅ eqiad lvs-k8s-service done/);
    await runStep(chat, /✅ eqiad cdn-to-6543 done/);

    let mark = chat.transcript().length;
    const id = await requestStep(chat);
    const announced = (await chat.waitFor(/⏳ \w+: alice asks to run .* helm-deploy/, { from: mark })).input;
    expect(announced).toContain(
      ` · helm diff: 2 objects change: Deployment/kartotherian-main (new), Service/kartotherian-main-tls-service (new); replicas ∅ → 10; image kartotherian-main ∅ → simulated; ⚠ nodePort ∅ → 6543 on Service/kartotherian-main-tls-service (whole diff: !kartotherian diff ${id}) · `,
    );

    mark = chat.transcript().length;
    chat.say('/as dave');
    chat.say(`${K} diff ${id}`);
    await chat.waitFor(/^<cutover> \+ +nodePort: 6543$/, { from: mark });
    const shown = chat.transcript().slice(mark).join('\n');
    expect(shown).toContain(`helm diff of ${id} (helmfile -e eqiad, pending): 2 objects change`);
    expect(shown).toContain('kartotherian, kartotherian-main, Deployment (apps) has been added:');
    expect(shown).toContain('+           image: kartotherian-main:simulated');

    // Someone bumps the image after the request was shown: the approval was for the other diff.
    await fleet.setChart('eqiad', { replicas: 10, image: 'kartotherian-main:2024-12-01' });
    mark = chat.transcript().length;
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    const refused = (await chat.waitFor(new RegExp(`❌ ${id} failed: `), { from: mark, timeoutMs: 20_000 })).input;
    expect(refused).toContain('the helm diff changed since it was approved: now 2 objects change: ');
    expect(refused).toContain('image kartotherian-main ∅ → 2024-12-01; ');
    expect(refused).toContain('(approved: 2 objects change: ');
    expect(refused).toContain('nothing was applied: file the step again');
    expect(await fleet.release('eqiad')).toBeUndefined();

    // Filed again, the request shows the new diff, and once approved that is what is deployed.
    await runStep(chat, /✅ eqiad helm-deploy done/);
    expect(chat.transcript().join('\n')).toMatch(/helm diff: .*image kartotherian-main ∅ → 2024-12-01; .*\(whole diff/);
    expect(await fleet.release('eqiad')).toEqual({ replicas: 10, image: 'kartotherian-main:2024-12-01' });
  }, 60_000);
});
