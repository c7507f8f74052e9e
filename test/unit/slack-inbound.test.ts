import { beforeAll, describe, expect, it } from 'vitest';
import { buttonClick, messageEvent, reactionEvent, slashCommand, type InboundContext } from '../../bot/slack/inbound.js';
import type { Config } from '../../config/schema.js';
import { isCutoverError } from '../../core/errors.js';
import { loadShippedConfig } from '../helpers/config.js';
import { blockActions, messageEvent as messageBody, reactionEvent as reactionBody, slashCommand as commandForm } from '../helpers/slack-requests.js';

const OPS = 'C0OPS00001';
const VALUE = JSON.stringify({ requestId: 'k7qm', actionHash: '0123456789abcdef' });

describe('Slack payloads to gateway events', () => {
  let config: Config;
  let context: InboundContext;

  beforeAll(async () => {
    config = await loadShippedConfig();
    context = { config, channels: [] };
  });

  function message(options: Parameters<typeof messageBody>[0]) {
    const body = messageBody(options);
    return messageEvent(body, body['event'], context);
  }

  it('turns a command typed by a configured person into a message event, identity by Slack user id', () => {
    const body = messageBody({ user: 'U01ALICE0', text: '!kartotherian pool <http://wikikube1001|wikikube1001>', ts: '1700000500.000100', eventId: 'Ev0ALICE01' });
    expect(messageEvent(body, body['event'], context)).toEqual({
      kind: 'message',
      text: '!kartotherian pool wikikube1001',
      caller: { person: 'alice', display: 'alice', transport: 'slack', channel: OPS, userId: 'U01ALICE0' },
      ref: { transport: 'slack', channel: OPS, id: '1700000500.000100' },
      deliveryId: 'Ev0ALICE01',
    });
  });

  it('names someone the config does not know by user id, and gives them no person', () => {
    expect(message({ user: 'U0MALLORY1', text: '!kartotherian status' })?.caller).toEqual({ person: undefined, display: 'U0MALLORY1', transport: 'slack', channel: OPS, userId: 'U0MALLORY1' });
  });

  it('takes a DM to the bot as a private conversation, answered in it (not threaded), the ! optional, wherever the channels are', () => {
    const narrow = { config, channels: [OPS] };
    const body = messageBody({ user: 'U01ALICE0', text: 'kartotherian status --full', channel: 'D0ALICE001', channelType: 'im', eventId: 'Ev0DM00001' });
    expect(messageEvent(body, body['event'], narrow)).toEqual({
      kind: 'message',
      text: 'kartotherian status --full',
      caller: { person: 'alice', display: 'alice', transport: 'slack', channel: 'D0ALICE001', userId: 'U01ALICE0', private: true },
      deliveryId: 'Ev0DM00001',
    });
  });

  it('attacker: a channel event claiming to be a DM is still a channel message, and dropped outside the configured channels', () => {
    const narrow = { config, channels: [OPS] };
    const body = messageBody({ user: 'U0MALLORY1', text: '!kartotherian pool wikikube1001', channel: 'C0OTHER001', channelType: 'im' });
    expect(messageEvent(body, body['event'], narrow)).toBeUndefined();
  });

  it('answers a command inside a thread in that thread', () => {
    expect(message({ user: 'U01BOB000', text: '!approve k7qm', ts: '1700000600.000100', threadTs: '1700000500.000100' })).toMatchObject({
      ref: { transport: 'slack', channel: OPS, id: '1700000500.000100' },
    });
  });

  it.each([
    ['an edit', { subtype: 'message_changed' }],
    ['a bot post', { subtype: 'bot_message', botId: 'B0OTHER001' }],
    ['an app post without a subtype', { botId: 'B0OTHER001' }],
    ['a join', { subtype: 'channel_join' }],
  ])('skips %s', (_label, extra) => {
    expect(message({ user: 'U01ALICE0', text: '!kartotherian pool wikikube1001', ...extra })).toBeUndefined();
  });

  it('skips chatter and channels it was not given', () => {
    expect(message({ user: 'U01ALICE0', text: 'good morning' })).toBeUndefined();
    const narrow = { config, channels: ['C0OTHER001'] };
    const body = messageBody({ user: 'U01ALICE0', text: '!kartotherian status' });
    expect(messageEvent(body, body['event'], narrow)).toBeUndefined();
  });

  it('refuses a message event without the fields it reads, as input.invalid', () => {
    const broken = { type: 'message', channel: OPS, text: '!kartotherian status', ts: 'yesterday' };
    expect(() => messageEvent({}, broken, context)).toThrow(expect.objectContaining({ code: 'input.invalid' }) as Error);
  });

  it('turns reactions into reaction events on the item, added or removed, skin tone and all', () => {
    const added = reactionBody({ user: 'U01BOB000', reaction: '+1::skin-tone-3', itemTs: '1700000500.000100', eventId: 'Ev0REACT01' });
    expect(reactionEvent(added, added['event'], context)).toEqual({
      kind: 'reaction',
      caller: { person: 'bob', display: 'bob', transport: 'slack', channel: OPS, userId: 'U01BOB000' },
      target: { transport: 'slack', channel: OPS, id: '1700000500.000100' },
      emoji: '+1::skin-tone-3',
      removed: false,
      deliveryId: 'Ev0REACT01',
    });
    const removed = reactionBody({ user: 'U01BOB000', reaction: '+1', itemTs: '1700000500.000100', removed: true });
    expect(reactionEvent(removed, removed['event'], context)).toMatchObject({ kind: 'reaction', removed: true });
  });

  it('turns a click into a button event with the decision, the request, its hash and a delivery id', () => {
    const click = buttonClick(blockActions({ user: 'U01CAROL0', decision: 'deny', messageTs: '1700000500.000100', value: VALUE, triggerId: '123.456.abc' }), context);
    expect(click).toEqual({
      event: {
        kind: 'button',
        caller: { person: 'carol', display: 'carol', transport: 'slack', channel: OPS, userId: 'U01CAROL0' },
        decision: 'deny',
        requestId: 'k7qm',
        actionHash: '0123456789abcdef',
        deliveryId: 'action:123.456.abc',
        ref: { transport: 'slack', channel: OPS, id: '1700000500.000100' },
      },
      message: { transport: 'slack', channel: OPS, id: '1700000500.000100' },
      user: 'U01CAROL0',
    });
  });

  it('refuses a click whose value is not one of its own, and ignores other apps’ buttons', () => {
    const forged = blockActions({ user: 'U01BOB000', decision: 'approve', messageTs: '1700000500.000100', value: '{"requestId":"k7qm --expect 0123456789abcdef","actionHash":"0123456789abcdef"}' });
    let failure: unknown;
    try {
      buttonClick(forged, context);
    } catch (error) {
      failure = error;
    }
    expect(isCutoverError(failure, 'input.invalid')).toBe(true);
    const other = blockActions({ user: 'U01BOB000', decision: 'approve', messageTs: '1700000500.000100', value: VALUE });
    (other['actions'] as { action_id: string }[])[0]!.action_id = 'someone_elses_button';
    expect(buttonClick(other, context)).toBeUndefined();
  });

  it('turns /kartotherian TEXT into !kartotherian TEXT from the configured channel it was typed in, naming who typed what', () => {
    const configured: InboundContext = { config, channels: [OPS, 'C0OTHER001'] };
    const form = commandForm({ user: 'U01CAROL0', text: 'status --dc eqiad', channel: 'C0OTHER001' });
    expect(slashCommand(form, configured, 'kartotherian')).toEqual({
      event: {
        kind: 'message',
        text: '!kartotherian status --dc eqiad',
        caller: { person: 'carol', display: 'carol', transport: 'slack', channel: 'C0OTHER001', userId: 'U01CAROL0' },
        deliveryId: `command:${form['trigger_id']}`,
      },
      user: 'U01CAROL0',
      typed: '/kartotherian status --dc eqiad',
    });
    expect(slashCommand(commandForm({ user: 'U01CAROL0', text: '' }), configured, 'kartotherian')?.event).toMatchObject({ text: '!kartotherian' });
  });

  it('takes slash commands only from configured channels: none when none are configured (anyone may type one anywhere)', () => {
    const form = commandForm({ user: 'U01CAROL0', text: 'status' });
    expect(slashCommand(form, context, 'kartotherian')).toBeUndefined();
    expect(slashCommand(commandForm({ user: 'U01CAROL0', text: 'status', channel: 'D0DIRECT01' }), { config, channels: [OPS] }, 'kartotherian')).toBeUndefined();
  });
});
