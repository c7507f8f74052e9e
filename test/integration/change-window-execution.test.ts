import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IRC_CHANNEL, startIrcSlackWorld, type IrcSlackWorld } from '../helpers/irc-slack-world.js';
import { messageEvent, postSigned } from '../helpers/slack-requests.js';

const BOB_SLACK = 'U01BOB000';
// Wednesday 2025-01-15 18:50 UTC, ten minutes before the window (Mon–Thu 13:00–19:00 UTC) closes.
let now = Date.UTC(2025, 0, 15, 18, 50);

/**
 * Approved inside the change window is no permission once it has closed: filed on IRC at 18:50,
 * approved from Slack at 19:01, the job refuses at execution (jobs/action-processor.ts) and conftool
 * is untouched. Real InspIRCd, Slack through Bolt's HTTP receiver, real Redis and BullMQ.
 */
describe('a change approved inside the window, executed after it closed', () => {
  let world: IrcSlackWorld;

  beforeAll(async () => {
    world = await startIrcSlackWorld({
      label: 'window-exec',
      edit: (config) => ({ ...config, change_windows: { windows: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '13:00', to: '19:00' }], freezes: [] } }),
      clock: { now: () => now },
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('refuses at execution once the window closed after filing', async () => {
    const from = world.alice.heard.length;
    world.alice.say(IRC_CHANNEL, '!kartotherian pool wikikube1001 late');
    const request = await world.alice.waitFor(/⏳ (\w+): alice asks/, { from, timeoutMs: 15_000 });
    const id = request.match[1] ?? '';
    now = Date.UTC(2025, 0, 15, 19, 1);
    await postSigned(world.eventsUrl, { json: messageEvent({ user: BOB_SLACK, text: `!approve ${id}` }) });
    const failed = await world.alice.waitFor(new RegExp(`❌ ${id} failed: .*Refused at execution, nothing was written: outside the change window`), { from, timeoutMs: 15_000 });
    expect(failed.text).toContain('next opens Thu 13:00 UTC, in 17h 59m');
    expect(await world.redis.hget(`${world.prefix}:sim:conftool`, '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet')).toBe('{"weight":0,"pooled":"inactive"}');
  }, 40_000);
});
