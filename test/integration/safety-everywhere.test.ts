import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from '../helpers/fake-slack-api.js';
import { IRC_CHANNEL, startIrcSlackWorld, type IrcSlackWorld } from '../helpers/irc-slack-world.js';
import { messageEvent, OPS_CHANNEL, postSigned } from '../helpers/slack-requests.js';

const BOB_SLACK = 'U01BOB000';

/**
 * Issue 15 item 6: what everyone must hear is said in every configured channel, not only where it
 * started. alice works on IRC; the Slack channel hears the guard's depool of her worker and her
 * emergency stop too.
 */
describe('safety lines in every channel', () => {
  let world: IrcSlackWorld;

  beforeAll(async () => {
    world = await startIrcSlackWorld({ label: 'everywhere' });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("a guard's depool of a worker pooled from IRC is said on IRC and in the Slack channel", async () => {
    const from = world.alice.heard.length;
    world.alice.say(IRC_CHANNEL, '!kartotherian simulate broken wikikube1001');
    await world.alice.waitFor(/wikikube1001|wikikube-worker1001/, { from, timeoutMs: 15_000 });
    world.alice.say(IRC_CHANNEL, '!kartotherian pool wikikube1001 a worker that fails');
    const request = await world.alice.waitFor(/⏳ (\w+): alice asks to pool wikikube-worker1001/, { from, timeoutMs: 15_000 });
    const id = request.match[1] ?? '';
    const slackFrom = world.api.calls.length;
    await postSigned(world.eventsUrl, { json: messageEvent({ user: BOB_SLACK, text: `!approve ${id}` }) });

    const onIrc = await world.alice.waitFor(/⏪ guard depooled wikikube-worker1001/, { from, timeoutMs: 30_000 });
    const onSlack = await world.api.waitFor('chat.postMessage', (call) => call.params['channel'] === OPS_CHANNEL && textOf(call).startsWith('⏪ guard depooled wikikube-worker1001'), { from: slackFrom, timeoutMs: 30_000 });
    expect(textOf(onSlack)).toBe(onIrc.text);
    // The !log is SAL's, said once where the worker was pooled.
    expect(world.api.calls.slice(slackFrom).filter((call) => textOf(call).includes('cutover-guard@cutover'))).toEqual([]);
  }, 60_000);

  it('an emergency stop asked on IRC is reported on IRC, and said in the Slack channel as it ends', async () => {
    const from = world.alice.heard.length;
    const slackFrom = world.api.calls.length;
    world.alice.say(IRC_CHANNEL, '!kartotherian emergency-stop drill');
    const queued = await world.alice.waitFor(/🛑 (\w+) EMERGENCY STOP queued by alice/, { from, timeoutMs: 15_000 });
    const id = queued.match[1] ?? '';
    // Nothing left to change here (the guard took the worker out): a no-op, still news everywhere.
    await world.alice.waitFor(new RegExp(`(?:✅ ${id} done|➖ ${id} no-op): .*emergency stop done`), { from, timeoutMs: 30_000 });
    const onSlack = await world.api.waitFor('chat.postMessage', (call) => call.params['channel'] === OPS_CHANNEL && textOf(call).startsWith('🛑 kartotherian EMERGENCY STOP by alice'), { from: slackFrom, timeoutMs: 30_000 });
    expect(textOf(onSlack)).toMatch(new RegExp(`^🛑 kartotherian EMERGENCY STOP by alice \\(${id}\\): drill · emergency stop done`));
    // The asker's channel heard it from the request: not twice.
    expect(world.alice.heard.slice(from).filter((line) => line.text.startsWith('🛑 kartotherian EMERGENCY STOP by alice'))).toEqual([]);
  }, 60_000);
});
