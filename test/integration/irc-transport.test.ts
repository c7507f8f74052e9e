import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIrcTransport, type IrcTransportOverrides } from '../../bot/irc/create-irc-transport.js';
import type { IrcTransport } from '../../bot/irc/irc-transport.js';
import type { Config, IrcTransportConfig } from '../../config/schema.js';
import type { InboundEvent, MessageRef } from '../../bot/transport.js';
import { isCutoverError } from '../../core/errors.js';
import { loadShippedConfig } from '../helpers/config.js';
import { startFakeIrcServer, type FakeIrcServer, type FakeIrcServerOptions } from '../helpers/irc-fake-server.js';

async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The transport's protocol behaviour against a scripted server: what it writes, and what send() and react() return. */
describe('IrcTransport against a fake IRC server', () => {
  let config: Config;
  const cleanup: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    config = await loadShippedConfig();
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function start(
    serverOptions: FakeIrcServerOptions,
    settings: Partial<IrcTransportConfig> = {},
    overrides: IrcTransportOverrides = {},
  ): Promise<{ server: FakeIrcServer; transport: IrcTransport; logs: string[]; sent: () => string[]; events: InboundEvent[] }> {
    const server = await startFakeIrcServer(serverOptions);
    const logs: string[] = [];
    const transport = createIrcTransport(
      {
        enabled: true,
        network: 'fake',
        host: '127.0.0.1',
        port: server.port,
        tls: false,
        tls_verify: true,
        nick: 'cutover',
        channels: ['#ops'],
        trust_nicks: false,
        outbox: { burst: 4, lines_per_second: 1, max_line_bytes: 350, max_queued_lines: 500 },
        reconnect: { min_seconds: 0.2, max_seconds: 1 },
        ...settings,
      },
      { redisUrl: '', logLevel: 'silent' },
      config,
      (level, message) => logs.push(`${level}: ${message}`),
      overrides,
    );
    cleanup.push(async () => {
      await transport.stop().catch(() => undefined);
      await server.close();
    });
    const events: InboundEvent[] = [];
    await transport.start(async (event) => {
      events.push(event);
    });
    await eventually(() => transport.status().joined.includes('#ops'), `joining #ops; log:\n${logs.join('\n')}`);
    const sent = (): string[] => server.received.map((r) => r.line).filter((line) => /PRIVMSG|TAGMSG/.test(line));
    return { server, transport, logs, sent, events };
  }

  it('learns the msgid of its own first line from the echo, and threads replies with +draft/reply', async () => {
    const { transport, sent } = await start({ caps: ['message-tags', 'echo-message'] });
    const ref = await transport.send({ channel: '#OPS', kind: 'request', text: '⏳ abc: alice asks\nneeds 1 approval' });
    expect(ref).toEqual({ transport: 'irc', channel: '#ops', id: expect.stringMatching(/^\d+-1$/) as unknown });
    await transport.send({ channel: '#ops', kind: 'reply', text: '👍 approved', replyTo: ref });
    await transport.react(ref ?? { transport: 'irc', channel: '#ops', id: '' }, '👀');
    await eventually(() => sent().length === 4, 'four lines');
    expect(sent()).toEqual([
      'PRIVMSG #ops :⏳ abc: alice asks',
      'PRIVMSG #ops :needs 1 approval',
      `@+draft/reply=${ref?.id ?? ''} PRIVMSG #ops :👍 approved`,
      `@+draft/react=👀;+draft/reply=${ref?.id ?? ''} TAGMSG #ops`,
    ]);
  });

  it('without echo-message and message-tags: send() resolves undefined once written, react() writes nothing', async () => {
    const { transport, sent } = await start({ caps: [] });
    expect(await transport.send({ channel: '#ops', kind: 'result', text: 'done' })).toBeUndefined();
    await transport.react({ transport: 'irc', channel: '#ops', id: 'm1' }, '✅');
    await transport.react({ transport: 'slack', channel: 'C1', id: '1.2' }, '✅');
    await transport.send({ channel: '#ops', kind: 'reply', text: 'after', replyTo: { transport: 'irc', channel: '#ops', id: 'm1' } });
    await eventually(() => sent().length === 2, 'two lines');
    expect(sent()).toEqual(['PRIVMSG #ops :done', 'PRIVMSG #ops :after']);
  });

  it('writes protocol lines under 512 bytes whatever the message, split on words', async () => {
    const { transport, sent } = await start({ caps: [] }, { outbox: { burst: 20, lines_per_second: 10, max_line_bytes: 350, max_queued_lines: 500 } });
    const text = `${'wikikube-worker1001 '.repeat(40)}\n${'é'.repeat(500)}`;
    await transport.send({ channel: '#ops', kind: 'result', text });
    await eventually(() => sent().length >= 5, 'the split lines');
    for (const line of sent()) {
      expect(Buffer.byteLength(`${line}\r\n`)).toBeLessThanOrEqual(512);
      expect(Buffer.byteLength(line.replace(/^PRIVMSG #ops :/, ''))).toBeLessThanOrEqual(350);
    }
    expect(sent().slice(0, 3).every((line) => /^PRIVMSG #ops :(↳ )?wikikube-worker1001( wikikube-worker1001)*$/.test(line))).toBe(true);
  });

  it('stop() fails sends still queued (so a delivery is retried elsewhere) and refuses new ones', async () => {
    // Burst 2: the JOIN takes one token, 'one' the other; 'two' would wait 10 s.
    const { transport } = await start({ caps: [] }, { outbox: { burst: 2, lines_per_second: 0.1, max_line_bytes: 350, max_queued_lines: 500 } });
    const first = transport.send({ channel: '#ops', kind: 'result', text: 'one' });
    const second = transport.send({ channel: '#ops', kind: 'result', text: 'two' }).catch((error: unknown) => error);
    expect(await first).toBeUndefined();
    await transport.stop();
    const failure = await second;
    expect(isCutoverError(failure, 'transport.unavailable')).toBe(true);
    const after = await transport.send({ channel: '#ops', kind: 'result', text: 'three' }).catch((error: unknown) => error);
    expect(isCutoverError(after, 'transport.unavailable')).toBe(true);
    await transport.finished;
  });

  it('takes another nick when its own is in use', async () => {
    const { transport, logs } = await start({ caps: [], takenNicks: ['cutover'] });
    expect(transport.status().nick).toBe('cutover_');
    expect(logs).toContain('warn: nick cutover is taken; trying cutover_');
  });

  it('rejoins a channel it was kicked from, and holds lines for it meanwhile', async () => {
    const { server, transport, sent } = await start({ caps: [] }, {}, { rejoinDelayMs: 300 });
    server.broadcast(':op!o@fake KICK #ops cutover :out');
    await eventually(() => !transport.status().joined.includes('#ops'), 'the kick');
    void transport.send({ channel: '#ops', kind: 'progress', text: 'while kicked' });
    expect(sent()).toEqual([]);
    await eventually(() => transport.status().joined.includes('#ops'), 'the rejoin');
    await eventually(() => sent().length === 1, 'the held line');
    expect(server.received.filter((r) => r.line === 'JOIN #ops')).toHaveLength(2);
  });

  it('reconnects and rejoins after the server drops it, delivering what was said meanwhile', async () => {
    const { server, transport, sent, logs } = await start({ caps: ['message-tags', 'echo-message'] }, { reconnect: { min_seconds: 0.5, max_seconds: 1 } }, { random: () => 0 });
    server.dropClients();
    await eventually(() => transport.status().state !== 'registered', 'the drop');
    const pending = transport.send({ channel: '#ops', kind: 'error', text: '❌ said while offline' });
    await eventually(() => transport.status().joined.includes('#ops'), 'the rejoin');
    expect(await pending).toMatchObject({ transport: 'irc', channel: '#ops' });
    expect(sent()).toEqual(['PRIVMSG #ops :❌ said while offline']);
    expect(server.connections()).toBe(2);
    expect(server.received.filter((r) => r.line === 'JOIN #ops').map((r) => r.connection)).toEqual([1, 2]);
    expect(logs.some((line) => /IRC connection lost .*reconnecting in 0\.5 s/.test(line))).toBe(true);
    expect(transport.status().attempts).toBe(2);
  });
  /** A channel message from `nick` as the server relays it, and the ref the transport gave it. */
  async function heard(server: FakeIrcServer, events: InboundEvent[], nick: string, text: string, msgid?: string): Promise<MessageRef> {
    const seen = events.length;
    server.broadcast(`${msgid === undefined ? '' : `@msgid=${msgid} `}:${nick}!u@fake PRIVMSG #ops :${text}`);
    await eventually(() => events.length > seen, `${nick}'s message`);
    const event = events.at(-1);
    if (event?.kind !== 'message' || event.ref === undefined) throw new Error('expected a message with a ref');
    return event.ref;
  }

  it('answers name whom they answer; identical answers asked while one is queued go out once, naming every asker', async () => {
    // Burst 2: the JOIN and the first answer take it; the rest wait, so identical answers meet in the queue.
    const { server, transport, sent, events } = await start({ caps: ['message-tags', 'echo-message'] }, { outbox: { burst: 2, lines_per_second: 2, max_line_bytes: 350, max_queued_lines: 500 } });
    const status = 'eqiad: pooled 60 of 100\ncodfw: pooled 40 of 40';
    const asks = [
      await heard(server, events, 'zed', 'help', 'in0'),
      await heard(server, events, 'alice', 'status', 'in1'),
      await heard(server, events, 'bob', 'status', 'in2'),
      // No msgid from the network: the transport's own ref still names the asker.
      await heard(server, events, 'carol', 'status'),
    ];
    expect(asks[3]?.id).toMatch(/^local:/);
    const replies = [
      transport.send({ channel: '#ops', kind: 'reply', urgency: 'help', text: 'commands: status, pool, depool', replyTo: asks[0] }),
      ...asks.slice(1).map((replyTo) => transport.send({ channel: '#ops', kind: 'reply', text: status, replyTo })),
    ];
    const refs = await Promise.all(replies);
    await eventually(() => sent().length === 2 && server.received.some((r) => r.line.startsWith('NOTICE')), 'two lines and a notice');
    // Help goes to the asker alone, as a NOTICE: the channel keeps its lines for the work.
    expect(server.received.filter((r) => r.line.startsWith('NOTICE')).map((r) => r.line)).toEqual(['NOTICE zed :commands: status, pool, depool']);
    expect(refs[0]).toBeUndefined();
    expect(sent()).toEqual([
      '@+draft/reply=in1 PRIVMSG #ops :alice, bob, carol: eqiad: pooled 60 of 100',
      '@+draft/reply=in1 PRIVMSG #ops :codfw: pooled 40 of 40',
    ]);
    // Every asker's send resolves with the one answer's ref.
    expect(refs[1]).toBeDefined();
    expect(refs[2]).toEqual(refs[1]);
    expect(refs[3]).toEqual(refs[1]);
  });

  it('a reaction on any line of a message of ours counts as one on the message', async () => {
    const { server, transport, events } = await start({ caps: ['message-tags', 'echo-message'] });
    const ref = await transport.send({ channel: '#ops', kind: 'request', text: '⏳ 3hhn: alice asks to depool maps1005\napprove with !approve 3hhn or 👍' });
    if (ref === undefined) throw new Error('no ref');
    // The fake server numbers msgids per connection: the second line's is the next one.
    const second = ref.id.replace(/-(\d+)$/, (_, n: string) => `-${Number(n) + 1}`);
    await eventually(() => server.received.filter((r) => r.line.includes('approve with')).length === 1, 'the second line');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = events.length;
    server.broadcast(`@+draft/react=👍;+draft/reply=${second} :bob!u@fake TAGMSG #ops`);
    await eventually(() => events.length > seen, 'the reaction');
    expect(events.at(-1)).toMatchObject({ kind: 'reaction', emoji: '👍', target: { transport: 'irc', channel: '#ops', id: ref.id } });
  });

  it('attacker: a flood of help cannot push out a request or a result: it goes to the asker by NOTICE, never into the channel', async () => {
    const { server, transport, sent, events } = await start(
      { caps: ['message-tags', 'echo-message'] },
      { outbox: { burst: 1, lines_per_second: 0.5, max_line_bytes: 350, max_queued_lines: 10 } },
    );
    const request = transport.send({ channel: '#ops', kind: 'request', text: '⏳ 3hhn: alice asks to depool maps1005' });
    let settled = 0;
    for (let i = 0; i < 30; i += 1) {
      const ask = await heard(server, events, 'mallory', `!kartotherian help ${i}`, `m${i}`);
      transport
        .send({ channel: '#ops', kind: 'reply', urgency: 'help', text: `help text ${i}\nline 2\nline 3`, replyTo: ask })
        .then(() => (settled += 1))
        .catch(() => undefined);
    }
    const result = transport.send({ channel: '#ops', kind: 'result', text: '✅ 3hhn done' });
    const sal = transport.send({ channel: '#ops', kind: 'reply', text: '!log alice@cutover depooled maps1005.eqiad.wmnet' });
    await request;
    await eventually(() => sent().some((line) => line.includes('✅ 3hhn done')), 'the result', 15_000);
    await eventually(() => sent().some((line) => line.includes('!log alice@cutover')), 'the SAL line', 15_000);
    expect(sent().filter((line) => line.includes('#ops') && line.includes('help text'))).toEqual([]);
    expect(await result).toBeDefined();
    expect(await sal).toBeDefined();
    // Help sends resolve at once (a NOTICE has no ref to wait for), whatever the flood.
    expect(settled).toBe(30);
  }, 30_000);
});

describe('IrcTransport: private messages, answers for the asker, marks, vouched ids (issue 14)', () => {
  let config: Config;
  const cleanup: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    config = await loadShippedConfig();
    // alice's services account is `alice` in the shipped config; account-tag vouches for it.
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function start(outbox = { burst: 4, lines_per_second: 1, max_line_bytes: 350, max_queued_lines: 500 }) {
    const server = await startFakeIrcServer({ caps: ['message-tags', 'echo-message', 'account-tag'] });
    const transport = createIrcTransport(
      { enabled: true, network: 'fake', host: '127.0.0.1', port: server.port, tls: false, tls_verify: true, nick: 'cutover', channels: ['#ops'], trust_nicks: false, outbox, reconnect: { min_seconds: 0.2, max_seconds: 1 } },
      { redisUrl: '', logLevel: 'silent' },
      config,
      () => undefined,
    );
    cleanup.push(async () => {
      await transport.stop().catch(() => undefined);
      await server.close();
    });
    const events: InboundEvent[] = [];
    await transport.start(async (event) => {
      events.push(event);
    });
    await eventually(() => transport.status().joined.includes('#ops'), 'joining #ops');
    const wire = (): string[] => server.received.map((r) => r.line).filter((line) => /^(@\S+ )?(PRIVMSG|TAGMSG|NOTICE) /.test(line));
    const say = async (raw: string): Promise<InboundEvent> => {
      const seen = events.length;
      server.broadcast(raw);
      await eventually(() => events.length > seen, raw);
      const event = events.at(-1);
      if (event === undefined) throw new Error('no event');
      return event;
    };
    return { server, transport, events, wire, say };
  }

  it('a PRIVMSG to its nick is a private message from the account the network vouched for, answered to the nick, naming nobody', async () => {
    const { transport, wire, say } = await start();
    const event = await say('@msgid=p1;account=alice :Alice!u@fake PRIVMSG Cutover :kartotherian status --full');
    expect(event).toEqual({
      kind: 'message',
      text: 'kartotherian status --full',
      caller: { person: 'alice', display: 'Alice', transport: 'irc', channel: 'Alice', userId: 'alice', private: true },
      ref: { transport: 'irc', channel: 'Alice', id: 'p1' },
    });
    if (event.kind !== 'message' || event.ref === undefined) throw new Error('expected a message');
    await transport.send({ channel: event.caller.channel, kind: 'reply', text: 'line 1\nline 2\nline 3\nline 4\nline 5', replyTo: event.ref });
    await eventually(() => wire().length === 5, 'five lines');
    expect(wire()).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5'].map((text) => `@+draft/reply=p1 PRIVMSG Alice :${text}`));
  });

  it('a channel message carries the vouched account as userId; a stranger without one has none', async () => {
    const { say } = await start();
    expect(await say('@msgid=c1;account=bob :bob!u@fake PRIVMSG #ops :!kartotherian status')).toMatchObject({ caller: { person: 'bob', userId: 'bob', channel: '#ops' } });
    const stranger = await say('@msgid=c2 :mallory!u@fake PRIVMSG #ops :!kartotherian status');
    expect(stranger).toMatchObject({ caller: { person: undefined, display: 'mallory' } });
    expect(stranger.caller).not.toHaveProperty('userId');
    expect(stranger.caller).not.toHaveProperty('private');
  });

  it('ignores messages to channels it does not serve and status messages to ops', async () => {
    const { events, server, say } = await start();
    const before = events.length;
    server.broadcast(':alice!u@fake PRIVMSG #elsewhere :!kartotherian status');
    server.broadcast(':alice!u@fake PRIVMSG @#ops :!kartotherian status');
    await say(':alice!u@fake PRIVMSG #ops :marker');
    expect(events.slice(before).map((event) => (event.kind === 'message' ? event.text : event.kind))).toEqual(['marker']);
  });

  it('an answer for the asker alone goes to them by NOTICE, not into the channel', async () => {
    const { transport, server, wire, say } = await start();
    const ask = await say('@msgid=c3;account=alice :alice!u@fake PRIVMSG #ops :!kartotherian status --full');
    if (ask.kind !== 'message' || ask.ref === undefined) throw new Error('expected a message');
    expect(await transport.send({ channel: '#ops', kind: 'reply', audience: 'asker', text: 'detail 1\ndetail 2', replyTo: ask.ref })).toBeUndefined();
    await server.waitFor((received) => received.filter((r) => r.line.startsWith('NOTICE')).length === 2, 'two notices');
    expect(wire()).toEqual(['NOTICE alice :detail 1', 'NOTICE alice :detail 2']);
  });

  it('through the transport: a 👀 set with an approval goes out before the ✅ line sent after it, and a ✅ mark replaces a 👀 still unsent', async () => {
    // Burst 1 at 1 line a second: the JOIN takes the burst, so everything below waits in the outbox together.
    const { transport, wire } = await start({ burst: 1, lines_per_second: 1, max_line_bytes: 350, max_queued_lines: 500 });
    const request = { transport: 'irc', channel: '#ops', id: 'r1' };
    void transport.send({ channel: '#ops', kind: 'request', urgency: 'approval', text: '👍 bob approved r1', replyTo: request });
    await transport.react(request, '👀', 'approval');
    void transport.send({ channel: '#ops', kind: 'result', text: '✅ r1 done', replyTo: request });
    const other = { transport: 'irc', channel: '#ops', id: 'r2' };
    await transport.react(other, '👀', 'progress');
    await transport.react(other, '❌', 'result');
    await eventually(() => wire().length === 4, 'four lines', 15_000);
    expect(wire()).toEqual([
      '@+draft/reply=r1 PRIVMSG #ops :👍 bob approved r1',
      '@+draft/react=👀;+draft/reply=r1 TAGMSG #ops',
      '@+draft/reply=r1 PRIVMSG #ops :✅ r1 done',
      '@+draft/react=❌;+draft/reply=r2 TAGMSG #ops',
    ]);
  }, 20_000);
});
