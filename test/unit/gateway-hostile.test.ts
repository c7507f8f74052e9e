/**
 * A hostile member of the channel against the gateway (bot/gateway.ts): floods of commands are
 * limited per caller and per channel (said once, then quiet), approvals by approvers go through
 * whatever the flood, refusals are never sent more urgently than answers, and identical read-only
 * queries in flight share one run. Real Redis for the message index, fakes for the command deps.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandLimiter, limitsFromConfig, PER_CALLER, PER_CHANNEL, PER_PERSON } from '../../bot/command-limiter.js';
import { Gateway } from '../../bot/gateway.js';
import type { ChatTransport, InboundEvent, MessageRef, OutboundMessage, Urgency } from '../../bot/transport.js';
import { urgencyOf } from '../../bot/urgency.js';
import { createDispatcher, type Dispatcher } from '../../commands/dispatch.js';
import type { Caller } from '../../core/access.js';
import { DeliveryGuard } from '../../jobs/delivery-guard.js';
import { RequestMessages } from '../../jobs/request-messages.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const shipped = await loadShippedConfig();
const CHANNEL = '#wikimedia-operations';

class RecordingTransport implements ChatTransport {
  readonly name = 'irc';
  readonly finished = Promise.resolve();
  readonly sent: (OutboundMessage & { ref: MessageRef })[] = [];
  private onEvent: ((event: InboundEvent) => Promise<void>) | undefined;

  async start(onEvent: (event: InboundEvent) => Promise<void>): Promise<void> {
    this.onEvent = onEvent;
  }

  async send(message: OutboundMessage): Promise<MessageRef> {
    const ref = { transport: this.name, channel: message.channel, id: `m${this.sent.length + 1}` };
    this.sent.push({ ...message, ref });
    return ref;
  }

  readonly marks: Array<{ target: MessageRef; emoji: string; urgency: Urgency | undefined }> = [];

  async react(target: MessageRef, emoji: string, urgency?: Urgency): Promise<void> {
    this.marks.push({ target, emoji, urgency });
  }
  async stop(): Promise<void> {}

  async emit(event: InboundEvent): Promise<void> {
    if (this.onEvent === undefined) throw new Error('not started');
    await this.onEvent(event);
  }

  texts(): string[] {
    return this.sent.map((message) => message.text);
  }
}

let redis: Redis;
const prefixes: string[] = [];

beforeAll(async () => {
  await requireRedis();
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  for (const prefix of prefixes) await cleanupPrefix(redis, prefix);
  await redis.quit();
});

async function setup(options: { hold?: Promise<void>; limits?: ReturnType<typeof limitsFromConfig> } = {}) {
  const prefix = uniquePrefix('gateway-hostile');
  prefixes.push(prefix);
  const config = structuredClone(shipped);
  const inventories = shippedInventories(config);
  const fakes = makeDeps(config, inventories);
  const real = createDispatcher({ config, inventories, deps: fakes.deps, onUnexpectedError: (error) => { throw error; } });
  let runs = 0;
  const dispatcher: Dispatcher = {
    classify: (message) => real.classify?.(message) ?? { kind: 'ignored' },
    line: async (message) => {
      runs += 1;
      await options.hold;
      return real.line(message);
    },
    decide: (decision) => real.decide(decision),
  };
  let now = 1_000_000;
  const transport = new RecordingTransport();
  const gateway = new Gateway({ transport, dispatcher, messages: new RequestMessages(redis, prefix), deliveries: new DeliveryGuard(redis, prefix), limiter: new CommandLimiter(() => now, options.limits?.perCaller, options.limits?.perChannel, options.limits?.perPerson), log: (_message, error) => { throw error; } });
  await gateway.start();
  const as = (person: string | undefined, display = person ?? 'mallory', channel = CHANNEL): Caller => callerFor(person, { display, channel });
  const say = (caller: Caller, text: string): Promise<void> => transport.emit({ kind: 'message', text, caller });
  return { ...fakes, transport, as, say, runs: () => runs, advance: (ms: number) => (now += ms) };
}

describe('a flood of commands', () => {
  it('answers one caller 5 at once, says “slow down” once, then stays quiet until the bucket refills; others are still answered', async () => {
    const world = await setup();
    const mallory = world.as(undefined);
    for (let index = 0; index < 12; index += 1) await world.say(mallory, '!kartotherian help');
    const slowDown = world.transport.texts().filter((text) => text.includes('slow down'));
    expect(slowDown).toEqual([expect.stringMatching(/^⏳ mallory, slow down: 5 commands at once, then one every 3 s; I answer you again in 3 s\.$/)]);
    expect(world.runs()).toBe(5);
    const count = world.transport.sent.length;
    for (let index = 0; index < 5; index += 1) await world.say(mallory, '!kartotherian help');
    expect(world.transport.sent.length).toBe(count);

    await world.say(world.as('dave'), '!kartotherian status --dc eqiad');
    expect(world.runs()).toBe(6);

    world.advance(3000);
    await world.say(mallory, '!kartotherian help');
    expect(world.runs()).toBe(7);
    // Over again: said once more, as a new spell.
    await world.say(mallory, '!kartotherian help');
    expect(world.transport.texts().filter((text) => text.includes('slow down'))).toHaveLength(2);
    // The refusal is never more urgent than an answer.
    for (const message of world.transport.sent.filter((sent) => sent.text.includes('slow down'))) expect(urgencyOf(message)).toBe('answer');
  });

  it('gives a configured person 20 at once, then one a second', async () => {
    const world = await setup();
    for (let index = 0; index < 25; index += 1) await world.say(world.as('dave'), '!kartotherian jobs');
    expect(world.runs()).toBe(20);
    expect(world.transport.texts().filter((text) => text.includes('slow down'))).toEqual(['⏳ dave, slow down: 20 commands at once, then one every 1 s; I answer you again in 1 s.']);
  });

  it('takes its limits from access.command_limits; the shipped defaults are the ones above', async () => {
    expect(limitsFromConfig(shipped.access.command_limits)).toEqual({ perCaller: PER_CALLER, perChannel: PER_CHANNEL, perPerson: PER_PERSON });
    const world = await setup({ limits: limitsFromConfig({ ...shipped.access.command_limits, person: { burst: 3, every_seconds: 2 }, channel_strangers: { burst: 1, every_seconds: 60 } }) });
    for (let index = 0; index < 5; index += 1) await world.say(world.as('dave'), '!kartotherian jobs');
    expect(world.runs()).toBe(3);
    await world.say(world.as(undefined, 'mallory'), '!kartotherian help');
    await world.say(world.as(undefined, 'trent'), '!kartotherian help');
    expect(world.transport.texts().filter((text) => text.startsWith('⏳'))).toEqual([
      '⏳ dave, slow down: 3 commands at once, then one every 2 s; I answer you again in 2 s.',
      '⏳ Too many commands from people I do not know in this channel: 1 at once, then one every 60 s; I answer them again in 60 s.',
    ]);
  });

  it('caps the channel whatever the nicks, and never holds back an approval by an approver, typed or reacted', async () => {
    const world = await setup();
    await world.say(world.as('alice'), '!kartotherian pool wikikube1001 new workers');
    const announcement = world.transport.sent.at(-1);
    const id = announcement?.request?.id ?? '';
    expect(id).not.toBe('');
    for (let index = 0; index < 40; index += 1) await world.say(world.as(undefined, `mallory${index}`), '!kartotherian status');
    expect(world.transport.texts().filter((text) => text.startsWith('⏳ Too many commands from people I do not know in this channel'))).toHaveLength(1);
    expect(world.runs()).toBe(1 + 10);
    // Configured people are not counted against the strangers' budget: dave still gets his answer.
    await world.say(world.as('dave'), '!kartotherian jobs');
    expect(world.runs()).toBe(1 + 10 + 1);

    // The flood goes on; carol denies nothing and bob approves, by a typed line: it goes through, as an approval.
    await world.say(world.as('bob'), `!approve ${id}`);
    const approved = world.transport.sent.at(-1);
    expect(approved?.text).toMatch(/^👍 bob approved/);
    expect(urgencyOf(approved ?? { kind: 'reply' })).toBe('approval');

    // A second request, approved by a reaction during the flood.
    await world.say(world.as('alice'), '!kartotherian pool wikikube1002 new workers');
    const second = world.transport.sent.at(-1);
    for (let index = 0; index < 40; index += 1) await world.say(world.as(undefined, `eve${index}`), '!kartotherian status');
    await world.transport.emit({ kind: 'reaction', caller: world.as('carol'), target: second?.ref ?? { transport: 'irc', channel: CHANNEL, id: '?' }, emoji: '👍', removed: false });
    expect(world.transport.sent.at(-1)).toMatchObject({ urgency: 'approval', text: expect.stringMatching(/^👍 carol approved/) as string });
  });

  it("limits a stranger's decisions like any command: they are refused, as answers, and then not at all", async () => {
    const world = await setup();
    await world.say(world.as('alice'), '!kartotherian pool wikikube1001 new workers');
    const target = world.transport.sent.at(-1)?.ref ?? { transport: 'irc', channel: CHANNEL, id: '?' };
    const before = world.transport.sent.length;
    for (let index = 0; index < 20; index += 1) await world.transport.emit({ kind: 'reaction', caller: world.as(undefined, 'bob'), target, emoji: '👍', removed: false });
    const said = world.transport.sent.slice(before);
    expect(said).toHaveLength(6);
    for (const message of said) expect(urgencyOf(message)).toBe('answer');
    expect(said.at(-1)?.text).toMatch(/^⏳ bob, slow down/);
  });
});

describe('urgency of what the gateway says', () => {
  it('sends help as help, a refused help or approval as an answer, and a decision as an approval', async () => {
    const world = await setup();
    await world.say(world.as('alice'), '!kartotherian help');
    expect(world.transport.sent.at(-1)).toMatchObject({ urgency: 'help' });
    await world.say(world.as('alice'), '!kartotherian help frobnicate');
    expect(world.transport.sent.at(-1)).toMatchObject({ kind: 'error', urgency: 'answer' });
    await world.say(world.as('alice'), '!kartotherian pool wikikube1001 new workers');
    const id = world.transport.sent.at(-1)?.request?.id ?? '';
    await world.say(world.as('alice'), `!approve ${id}`);
    expect(world.transport.sent.at(-1)).toMatchObject({ kind: 'error', urgency: 'answer', text: expect.stringMatching(/^✖ You asked for/) as string });
    await world.say(world.as('bob'), `!deny ${id} not today`);
    expect(world.transport.sent.at(-1)).toMatchObject({ urgency: 'approval', text: expect.stringMatching(/^👎 denied/) as string });
  });
});

describe('identical queries at once', () => {
  it('run once per channel and answer every asker', async () => {
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const world = await setup({ hold });
    const asks = ['alice', 'bob', 'carol', 'dave'].map((person) => world.say(world.as(person), '!kartotherian status --dc eqiad'));
    asks.push(world.say(world.as('dave', 'dave', '#other'), '!kartotherian status --dc eqiad'));
    asks.push(world.say(world.as('alice'), '!kartotherian status --dc codfw'));
    release();
    await Promise.all(asks);
    expect(world.runs()).toBe(3);
    const answers = world.transport.sent.filter((message) => message.channel === CHANNEL && message.text.includes('eqiad'));
    expect(answers).toHaveLength(4);
    expect(new Set(answers.map((message) => message.text)).size).toBe(1);
    // A change is never shared: two pools are two requests.
    const before = world.runs();
    await Promise.all([world.say(world.as('alice'), '!kartotherian pool wikikube1001 a'), world.say(world.as('bob'), '!kartotherian pool wikikube1001 a')]);
    expect(world.runs()).toBe(before + 2);
  });

  it('does not share a reader’s answer with someone who may not read', async () => {
    const config = structuredClone(shipped);
    config.access.read_only = 'configured';
    const dispatcher = createDispatcher({ config, inventories: shippedInventories(config), deps: makeDeps(config).deps, onUnexpectedError: () => undefined });
    const key = (caller: Caller) => dispatcher.classify?.({ text: '!kartotherian status', caller });
    expect(key(callerFor('alice'))).toEqual(key(callerFor('bob')));
    expect(key(callerFor(undefined, { display: 'mallory' }))).not.toEqual(key(callerFor('alice')));
  });
});

describe('private messages and answers for the asker (issue 14)', () => {
  const privately = (person: string | undefined, nick: string): Caller => callerFor(person, { display: nick, channel: nick, private: true });

  it("strangers' private messages share one budget, as a channel's strangers do; the notice says where", async () => {
    const world = await setup();
    for (let index = 0; index < 40; index += 1) await world.say(privately(undefined, `eve${index}`), 'kartotherian status');
    expect(world.runs()).toBe(10);
    expect(world.transport.texts().filter((text) => text.startsWith('⏳ Too many commands from people I do not know in private messages'))).toHaveLength(1);
    // A configured person in private is not counted against them.
    await world.say(privately('dave', 'dave'), 'kartotherian jobs');
    expect(world.runs()).toBe(11);
  });

  it("never holds back a configured person's emergency stop in the channel, whatever they said before", async () => {
    const world = await setup();
    for (let index = 0; index < 25; index += 1) await world.say(world.as('alice'), '!kartotherian jobs');
    expect(world.runs()).toBe(20);
    await world.say(world.as('alice'), '!kartotherian emergency-stop --dry-run');
    expect(world.runs()).toBe(21);
  });

  it('sends the detail for the asker alone from a channel, and plainly in private', async () => {
    const world = await setup();
    await world.say(world.as('dave'), '!kartotherian status --full');
    expect(world.transport.sent.at(-1)).toMatchObject({ channel: CHANNEL, audience: 'asker' });
    await world.say(world.as('dave'), '!kartotherian status');
    expect(world.transport.sent.at(-1)).not.toHaveProperty('audience');
    await world.say(privately('dave', 'dave'), 'kartotherian status --full');
    expect(world.transport.sent.at(-1)).toMatchObject({ channel: 'dave' });
    expect(world.transport.sent.at(-1)).not.toHaveProperty('audience');
  });

  it('marks a decided request with the urgency of the line it goes with', async () => {
    const world = await setup();
    await world.say(world.as('alice'), '!kartotherian pool wikikube1001 new workers');
    const id = world.transport.sent.at(-1)?.request?.id ?? '';
    await world.say(world.as('bob'), `!approve ${id}`);
    expect(world.transport.marks.at(-1)).toMatchObject({ emoji: '👀', urgency: 'approval' });
  });
});
