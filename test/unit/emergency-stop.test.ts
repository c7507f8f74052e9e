/**
 * The emergency stop carried out (jobs/plan/emergency-stop.ts): the plan stops, bare metal is
 * repooled in every DC before any worker leaves, each write goes through the writer, and the SAL
 * says it per DC. Built through its constructor over conftool in a Map.
 */
import { describe, expect, it } from 'vitest';
import { EmergencyStop } from '../../jobs/plan/emergency-stop.js';
import { DEPOOLED, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

function stopOf(world: PlanWorld): EmergencyStop {
  return new EmergencyStop({ context: world.context, narration: world.narration, writer: world.safety.writer, silences: world.silences });
}

async function stopRequest(world: PlanWorld) {
  const { request } = await world.approved({ dc: 0, step: 0, wave: 0 });
  return { ...request, reason: 'users report broken tiles' };
}

describe('an emergency stop', () => {
  it('stops the plan, repools bare metal in every DC first, then depools the workers, and logs each DC', async () => {
    const world = await planWorld();
    const request = await stopRequest(world);
    for (const worker of ['wikikube-worker1001.eqiad.wmnet', 'wikikube-worker1002.eqiad.wmnet', 'wikikube-worker2001.codfw.wmnet']) world.set(worker, POOLED);
    for (const maps of ['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet']) world.set(maps, DEPOOLED);
    world.seed({ position: { dc: 0, step: 3, wave: 1 }, phase: 'soaking', soak: { startedAt: 0, until: 1, checks: 0, failures: 0 } });

    const result = await stopOf(world).run(request);

    expect(world.pooling.writes.map((write) => `${write.path.split('/').pop() ?? ''} ${write.next.pooled}`)).toEqual([
      'maps1005.eqiad.wmnet yes',
      'maps1006.eqiad.wmnet yes',
      'wikikube-worker1001.eqiad.wmnet no',
      'wikikube-worker1002.eqiad.wmnet no',
      'wikikube-worker2001.codfw.wmnet no',
    ]);
    const written = 'pool maps1005, pool maps1006, depool wikikube-worker1001, depool wikikube-worker1002, depool wikikube-worker2001';
    expect(result).toEqual({ state: 'succeeded', outcome: `emergency stop done, verified: ${written}. The plan is stopped.`, auditDetail: written });
    const run = await world.run();
    expect(run.phase).toBe('stopped');
    expect(run.soak).toBeUndefined();
    expect(world.said()).toEqual([
      '!log conftool maps[1005-1006].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=no → yes weight=10 - emergency stop: users report broken tiles - alice@cutover',
      '!log conftool wikikube-worker[1001-1002].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10 - emergency stop: users report broken tiles - alice@cutover',
      '!log conftool wikikube-worker2001.codfw.wmnet kartotherian-k8s-ssl (codfw): pooled=yes → no weight=10 - emergency stop: users report broken tiles - alice@cutover',
    ]);
    expect(world.audit.entries.at(-1)).toEqual({ event: 'plan.emergency-stop', service: 'kartotherian', who: 'alice', where: 'irc:#wikimedia-operations', detail: written });
  });

  it('changes nothing, and says so, when bare metal serves and no worker is pooled', async () => {
    const world = await planWorld();
    const request = await stopRequest(world);

    expect(await stopOf(world).lines()).toEqual([]);
    expect(await stopOf(world).run(request)).toEqual({ state: 'noop', outcome: 'emergency stop done, verified: nothing to change. The plan is stopped.', auditDetail: '' });
    expect(world.pooling.writes).toEqual([]);
  });

  it('gives bare metal with no weight the default weight back', async () => {
    const world = await planWorld();
    world.set('maps1007.eqiad.wmnet', { pooled: 'inactive', weight: 0 });

    const [op] = await stopOf(world).operations();

    expect(op?.to).toEqual({ pooled: 'yes', weight: 10 });
  });
});
