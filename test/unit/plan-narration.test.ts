/**
 * How the plan speaks (jobs/plan/plan-narration.ts): to the channel of its last command, in
 * SAL lines said once per request, and in the audit trail. Built through its constructor.
 */
import { describe, expect, it } from 'vitest';
import { callerFor } from '../helpers/fakes.js';
import { ORIGIN, planWorld } from '../helpers/plan-world.js';

describe('the plan speaking', () => {
  it('says nothing before anyone spoke to the plan, then speaks where it was last spoken to', async () => {
    const world = await planWorld();
    await world.narration.say('▶ eqiad helm-deploy', 'progress');
    expect(world.notifier.sent).toEqual([]);

    world.seed({ origin: { transport: 'slack', channel: 'C0MAPS' } });
    await world.narration.say('✅ eqiad helm-deploy done', 'result', 'req1', '✅');
    expect(world.notifier.sent).toMatchObject([{ destination: { transport: 'slack', channel: 'C0MAPS' }, message: { kind: 'result', text: '✅ eqiad helm-deploy done', requestId: 'req1', mark: '✅' } }]);
  });

  it("says a request's SAL line once, however often a replay says it", async () => {
    const world = await planWorld();
    world.seed();

    await world.narration.sal('conftool maps1005 depooled', 'req1');
    await world.narration.sal('conftool maps1005 depooled', 'req1');
    await world.narration.sal('conftool maps1005 depooled', 'req2');
    await world.narration.sal('puppet run on A:maps-eqiad');
    await world.narration.sal('puppet run on A:maps-eqiad');

    const keys = world.notifier.sent.map((sent) => sent.dedupeKey);
    expect(keys[0]).toBe(keys[1]);
    expect(new Set(keys).size).toBe(4);
    // A request's SAL line is about that request: threaded under it where the chat threads (Slack).
    expect(world.notifier.sent[0]?.message).toEqual({ kind: 'result', text: '!log conftool maps1005 depooled', requestId: 'req1' });
    expect(world.notifier.sent.at(-1)?.message).toEqual({ kind: 'result', text: '!log puppet run on A:maps-eqiad' });
    expect(world.notifier.sent[0]?.destination).toEqual(ORIGIN);
  });

  it('audits a person by name and where they spoke, and the plan itself as cutover', async () => {
    const world = await planWorld();

    await world.narration.audit(callerFor('bob'), 'plan.paused', 'lunch', 'req3');
    await world.narration.audit(undefined, 'plan.auto-rollback', 'waves: p99');

    expect(world.audit.entries).toEqual([
      { event: 'plan.paused', service: 'kartotherian', who: 'bob', where: 'irc:#wikimedia-operations', requestId: 'req3', detail: 'lunch' },
      { event: 'plan.auto-rollback', service: 'kartotherian', who: 'cutover', where: 'plan', detail: 'waves: p99' },
    ]);
  });

  it("ends a SAL line with why, who and the task: the request's own task before the plan's", async () => {
    const world = await planWorld();
    const { request } = await world.approved({ dc: 0, step: 0, wave: 0 });

    expect(world.narration.reasonOf(request)).toBe('rehearsal - alice@cutover - T1000');
    expect(world.narration.reasonOf({ ...request, task: 'T386648' })).toBe('rehearsal - alice@cutover - T386648');
    expect(world.narration.rolledBackBy(request)).toBe(`alice@cutover (${request.id}) - T1000`);
    expect(world.narration.rolledBackBy(undefined)).toBe('cutover@cutover - T1000');
  });
});
