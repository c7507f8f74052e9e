/**
 * The gateway (bot/gateway.ts) between a chat and the dispatcher: typed lines go in as lines,
 * reactions and buttons as structured decisions (never as re-tokenized `!approve` text), and
 * what comes back is rendered from the outcome's kind. Real Redis for the message index and
 * the delivery guard; the command deps are the in-memory fakes.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../bot/gateway.js';
import type { ChatTransport, InboundEvent, MessageRef, OutboundMessage } from '../../bot/transport.js';
import { createDispatcher, type Dispatcher, type IncomingCommand, type StructuredDecision } from '../../commands/dispatch.js';
import type { Caller } from '../../core/access.js';
import { DeliveryGuard } from '../../jobs/delivery-guard.js';
import { RequestMessages } from '../../jobs/request-messages.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const shipped = await loadShippedConfig();
const CHANNEL = '#wikimedia-operations';

/** A chat that records what the bot says and marks, and gives each message a ref as a network would. */
class RecordingTransport implements ChatTransport {
  readonly name = 'chat';
  readonly finished = Promise.resolve();
  readonly sent: (OutboundMessage & { ref: MessageRef })[] = [];
  readonly reactions: { target: MessageRef; emoji: string }[] = [];
  private onEvent: ((event: InboundEvent) => Promise<void>) | undefined;

  async start(onEvent: (event: InboundEvent) => Promise<void>): Promise<void> {
    this.onEvent = onEvent;
  }

  async send(message: OutboundMessage): Promise<MessageRef> {
    const ref = { transport: this.name, channel: message.channel, id: `m${this.sent.length + 1}` };
    this.sent.push({ ...message, ref });
    return ref;
  }

  async react(target: MessageRef, emoji: string): Promise<void> {
    this.reactions.push({ target, emoji });
  }

  async stop(): Promise<void> {}

  async emit(event: InboundEvent): Promise<void> {
    if (this.onEvent === undefined) throw new Error('not started');
    await this.onEvent(event);
  }

  last(): OutboundMessage & { ref: MessageRef } {
    const message = this.sent.at(-1);
    if (message === undefined) throw new Error('nothing was sent');
    return message;
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

async function setup() {
  const prefix = uniquePrefix('gateway-decisions');
  prefixes.push(prefix);
  const config = structuredClone(shipped);
  const inventories = shippedInventories(config);
  const fakes = makeDeps(config, inventories);
  const real = createDispatcher({ config, inventories, deps: fakes.deps, onUnexpectedError: (error) => { throw error; } });
  // The real dispatcher, recording which entry point each event took.
  const lines: IncomingCommand[] = [];
  const decisions: StructuredDecision[] = [];
  const dispatcher: Dispatcher = {
    line: async (message) => (lines.push(message), real.line(message)),
    decide: async (decision) => (decisions.push(decision), real.decide(decision)),
  };
  const transport = new RecordingTransport();
  const errors: unknown[] = [];
  const gateway = new Gateway({ transport, dispatcher, messages: new RequestMessages(redis, prefix), deliveries: new DeliveryGuard(redis, prefix), log: (_message, error) => errors.push(error) });
  await gateway.start();
  const as = (person: string): Caller => callerFor(person, { transport: 'chat', channel: CHANNEL });
  const say = (person: string, text: string): Promise<void> => transport.emit({ kind: 'message', text, caller: as(person) });
  return { ...fakes, transport, lines, decisions, errors, as, say };
}

/** alice asks to pool a worker; the announcement is the transport's first message. */
async function announced(world: Awaited<ReturnType<typeof setup>>): Promise<{ id: string; actionHash: string; ref: MessageRef }> {
  await world.say('alice', '!kartotherian pool wikikube1001 new workers');
  const message = world.transport.last();
  if (message.request === undefined) throw new Error(`not a request: ${message.text}`);
  return { id: message.request.id, actionHash: message.request.actionHash, ref: message.ref };
}

describe('the gateway', () => {
  it("sends a request's announcement as a request, and a typed refusal as an error with its ✖", async () => {
    const world = await setup();

    const { id } = await announced(world);
    expect(world.transport.last()).toMatchObject({ kind: 'request', channel: CHANNEL, request: { id, state: 'pending' }, text: expect.stringMatching(/^⏳ req1: alice asks to pool/) as string });

    await world.say('dave', '!kartotherian pool wikikube1002');
    expect(world.transport.last()).toMatchObject({ kind: 'error', text: '✖ dave may not run "pool" on kartotherian (needs the operator or admin role).' });
  });

  it('turns a 👍 on the announcement into a structured approval, and marks the request queued', async () => {
    const world = await setup();
    const { id, ref } = await announced(world);

    await world.transport.emit({ kind: 'reaction', caller: world.as('bob'), target: ref, emoji: '👍', removed: false });

    expect(world.decisions).toEqual([{ decision: 'approve', requestId: id, caller: world.as('bob') }]);
    expect(world.lines.map((line) => line.text)).toEqual(['!kartotherian pool wikikube1001 new workers']);
    expect(world.transport.last()).toMatchObject({ kind: 'request', replyTo: ref, request: { id, state: 'approved' }, text: expect.stringMatching(/^👍 bob approved req1 \(1\/1\) · queued: /) as string });
    expect(world.transport.reactions).toEqual([{ target: ref, emoji: '👀' }]);
    expect(world.queue.enqueued.map((request) => request.id)).toEqual([id]);
  });

  it("refuses the requester's own 👍, as an error under the announcement", async () => {
    const world = await setup();
    const { id, ref } = await announced(world);

    await world.transport.emit({ kind: 'reaction', caller: world.as('alice'), target: ref, emoji: '👍🏽', removed: false });

    expect(world.transport.last()).toMatchObject({ kind: 'error', replyTo: ref, text: `✖ You asked for ${id}; someone else has to approve it.` });
    expect(world.queue.enqueued).toEqual([]);
  });

  it('binds a button approval to the hash it carried: a stale one is refused, the shown one approves', async () => {
    const world = await setup();
    const { id, actionHash } = await announced(world);

    await world.transport.emit({ kind: 'button', caller: world.as('carol'), decision: 'approve', requestId: id, actionHash: 'ffffffffffffffff' });
    expect(world.transport.last()).toMatchObject({ kind: 'error', text: `✖ Request ${id} changed since it was shown; it needs a new request.` });

    await world.transport.emit({ kind: 'button', caller: world.as('carol'), decision: 'approve', requestId: id, actionHash });
    expect(world.decisions.map((decision) => decision.expectHash)).toEqual(['ffffffffffffffff', actionHash]);
    expect(world.transport.last()).toMatchObject({ kind: 'request', request: { id, state: 'approved' } });
  });

  it('denies with a Deny button whatever hash it carries, and withdraws an approval whose 👍 is removed', async () => {
    const world = await setup();
    const { id, ref } = await announced(world);
    await world.requests.update(id, (request) => ({ ...request, approvalsRequired: 2 }));
    await world.transport.emit({ kind: 'reaction', caller: world.as('bob'), target: ref, emoji: '+1', removed: false });

    await world.transport.emit({ kind: 'reaction', caller: world.as('bob'), target: ref, emoji: '+1', removed: true });
    await world.transport.emit({ kind: 'reaction', caller: world.as('carol'), target: ref, emoji: '👎', removed: true });
    expect(world.transport.last()).toMatchObject({ kind: 'reply', text: `↩ bob withdrew their approval of ${id}; it needs 2 more.` });

    await world.transport.emit({ kind: 'button', caller: world.as('carol'), decision: 'deny', requestId: id, actionHash: 'ffffffffffffffff' });
    expect(world.decisions.map(({ decision, expectHash }) => [decision, expectHash])).toEqual([
      ['approve', undefined],
      ['withdraw', undefined],
      ['deny', undefined],
    ]);
    expect(world.transport.last()).toMatchObject({ kind: 'request', request: { id, state: 'denied' } });
    expect(world.transport.reactions.at(-1)).toEqual({ target: ref, emoji: '👎' });
    expect(world.errors).toEqual([]);
  });
});
