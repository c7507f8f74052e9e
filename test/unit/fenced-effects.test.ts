import { describe, expect, it } from 'vitest';
import { fencedEffects } from '../../bot/fenced-effects.js';
import { isCutoverError } from '../../core/errors.js';
import { fenceLost } from '../../jobs/fence-scope.js';
import { ScriptedEffects } from '../helpers/fake-plan-effects.js';

describe('the plan effects behind the fence', () => {
  const lost = { check: async () => Promise.reject(fenceLost('job 7 of actions', 'another worker took it over after this one stalled')) };
  const held = { check: async () => undefined };

  it('runs no puppet, no pybal restart, no helm apply once the fence is lost, and says why', async () => {
    const effects = new ScriptedEffects();
    const fenced = fencedEffects(effects, lost);
    const refusals = await Promise.all([
      fenced.runPuppet({ dc: 'eqiad', selector: 'A:maps-eqiad', batchSize: 2, applies: 'maps-nginx-tls-6543', reason: 'T378944' }).catch((error: unknown) => error),
      fenced.applyLvsService({ dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl', applies: 'lvs', reason: 'T378944' }).catch((error: unknown) => error),
      fenced.helmApply({ env: 'eqiad', reason: 'T378944' }).catch((error: unknown) => error),
    ]);
    expect(refusals.every((error) => isCutoverError(error, 'fence.lost'))).toBe(true);
    expect((refusals[0] as Error).message).toBe("job 7 of actions is no longer this process's (another worker took it over after this one stalled); it writes and says nothing more, and whoever holds it now carries on.");
    expect(effects.calls).toEqual([]);
  });

  it('still reads (a diff, a check) whatever the fence says, and changes while it holds', async () => {
    const effects = new ScriptedEffects();
    await fencedEffects(effects, lost).helmDiff({ env: 'eqiad' });
    await fencedEffects(effects, held).helmApply({ env: 'eqiad', reason: 'T378944' });
    expect(effects.calls.map((call) => call.method)).toEqual(['helmDiff', 'helmApply']);
    expect(fencedEffects(effects, held).kind).toBe(effects.kind);
  });
});
