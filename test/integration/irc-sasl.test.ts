import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIrcTransport } from '../../bot/irc/create-irc-transport.js';
import type { IrcLogLevel } from '../../bot/irc/irc-log.js';
import type { IrcTransport } from '../../bot/irc/irc-transport.js';
import type { InboundEvent } from '../../bot/transport.js';
import type { EnvSettings } from '../../config/load.js';
import type { Config, IrcTransportConfig } from '../../config/schema.js';
import { isCutoverError } from '../../core/errors.js';
import { loadShippedConfig } from '../helpers/config.js';
import { removeCertificates, selfSigned, type SelfSigned } from '../helpers/irc-certs.js';
import { startFakeIrcServer, type FakeIrcServer } from '../helpers/irc-fake-server.js';

const ENV: EnvSettings = { redisUrl: 'redis://127.0.0.1:6379', logLevel: 'silent', ircSaslPassword: 's3cret-pass' };

function ircSettings(port: number, extra: Partial<IrcTransportConfig> = {}): IrcTransportConfig {
  return {
    enabled: true,
    network: 'fake',
    host: '127.0.0.1',
    port,
    tls: false,
    tls_verify: true,
    nick: 'cutover',
    channels: ['#ops'],
    trust_nicks: false,
    outbox: { burst: 4, lines_per_second: 1, max_line_bytes: 350, max_queued_lines: 500 },
    reconnect: { min_seconds: 0.2, max_seconds: 1 },
    ...extra,
  };
}

/** Polls until the condition holds; the transport reports through status(), not events. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('IRC SASL and account identity, against a fake IRC server', () => {
  let config: Config;
  let certs: { server: SelfSigned; client: SelfSigned };
  const cleanup: Array<() => Promise<void>> = [];
  const logs: Array<[IrcLogLevel, string]> = [];

  beforeAll(async () => {
    config = await loadShippedConfig();
    const server = await selfSigned('fake-server');
    certs = { server, client: await selfSigned('cutover-client') };
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    logs.length = 0;
  });

  afterAll(removeCertificates);

  async function start(server: FakeIrcServer, settings: IrcTransportConfig, env: EnvSettings = ENV): Promise<{ transport: IrcTransport; events: InboundEvent[] }> {
    const events: InboundEvent[] = [];
    const transport = createIrcTransport(settings, env, config, (level, message) => logs.push([level, message]));
    cleanup.push(async () => {
      await transport.stop();
      await server.close();
    });
    await transport.start(async (event) => {
      events.push(event);
    });
    return { transport, events };
  }

  it('SASL PLAIN: waits for 903 before CAP END (the patched 900 handler), then registers and joins', async () => {
    const attempts: unknown[] = [];
    const server = await startFakeIrcServer({
      loggedInPauseMs: 400,
      sasl: (attempt) => {
        attempts.push(attempt);
        return attempt.account === 'cutover-bot' && attempt.password === 's3cret-pass' ? 'cutover-bot' : undefined;
      },
    });
    const { transport } = await start(server, ircSettings(server.port, { sasl: { mechanism: 'PLAIN', account: 'cutover-bot' } }));
    await eventually(() => transport.status().joined.includes('#ops'), 'registration and join');

    expect(attempts).toEqual([{ mechanism: 'PLAIN', account: 'cutover-bot', password: 's3cret-pass' }]);
    const lines = server.received.map((r) => r.line);
    expect(lines).toContain('AUTHENTICATE PLAIN');
    expect(lines.some((line) => /^CAP REQ :.*\bsasl\b/.test(line))).toBe(true);
    const capEnds = server.received.filter((r) => r.line === 'CAP END');
    expect(capEnds).toHaveLength(1);
    // Unpatched irc-framework 4.14 sends CAP END on 900, before 903: some services take that as an abort.
    expect(capEnds[0]?.after).toContain('903');
    expect(transport.status().caps).toContain('sasl');
    // The password never reaches the log.
    expect(JSON.stringify(logs)).not.toContain('s3cret-pass');
  });

  it('SASL EXTERNAL over verified TLS: presents the client certificate and registers', async () => {
    const expected = new X509Certificate(readFileSync(certs.client.certFile)).fingerprint256;
    const seen: unknown[] = [];
    const server = await startFakeIrcServer({
      tls: { ...certs.server, requestCert: true },
      sasl: (attempt) => {
        seen.push(attempt);
        return attempt.mechanism === 'EXTERNAL' && attempt.fingerprint === expected ? 'cutover-bot' : undefined;
      },
    });
    const { transport } = await start(
      server,
      ircSettings(server.port, {
        tls: true,
        ca_file: certs.server.certFile,
        sasl: { mechanism: 'EXTERNAL', account: 'cutover-bot', client_cert: certs.client.certFile, client_key: certs.client.keyFile },
      }),
    );
    await eventually(() => transport.status().joined.includes('#ops'), 'registration over TLS');
    expect(seen).toEqual([{ mechanism: 'EXTERNAL', fingerprint: expected }]);
    const lines = server.received.map((r) => r.line);
    expect(lines).toEqual(expect.arrayContaining(['AUTHENTICATE EXTERNAL', 'AUTHENTICATE +']));
    expect(server.received.find((r) => r.line === 'CAP END')?.after).toContain('903');
  });

  it('a failed SASL (904) disconnects instead of registering unauthenticated, and keeps retrying with backoff', async () => {
    const server = await startFakeIrcServer({ sasl: () => undefined });
    const { transport } = await start(server, ircSettings(server.port, { sasl: { mechanism: 'PLAIN', account: 'cutover-bot' } }), { ...ENV, ircSaslPassword: 'wrong' });
    await server.waitFor(() => server.connections() >= 3, 'three connection attempts');
    expect(server.received.some((r) => r.line === 'CAP END')).toBe(false);
    expect(server.received.filter((r) => r.line.startsWith('AUTHENTICATE ') && r.line !== 'AUTHENTICATE PLAIN').length).toBeGreaterThanOrEqual(2);
    expect(transport.status().state).not.toBe('registered');
    expect(logs).toEqual(expect.arrayContaining([['error', expect.stringMatching(/SASL PLAIN failed: fail/)]]));
    expect(logs.filter(([, message]) => /IRC connection lost \(SASL PLAIN failed/.test(message)).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses to start SASL PLAIN without IRC_SASL_PASSWORD, and EXTERNAL without certificate files', () => {
    const settings = ircSettings(1, { sasl: { mechanism: 'PLAIN', account: 'a' } });
    expect(() => createIrcTransport(settings, { ...ENV, ircSaslPassword: undefined }, config, () => undefined)).toThrow(/IRC_SASL_PASSWORD/);
    const external = ircSettings(1, { tls: true, sasl: { mechanism: 'EXTERNAL', account: 'a', client_cert: '/nonexistent/cert.pem', client_key: '/nonexistent/key.pem' } });
    let caught: unknown;
    try {
      createIrcTransport(external, ENV, config, () => undefined);
    } catch (error) {
      caught = error;
    }
    expect(isCutoverError(caught, 'config.unreadable')).toBe(true);
  });

  it('identity comes from the services account (account-tag), never from the nick, when trust_nicks is off', async () => {
    const server = await startFakeIrcServer({ caps: ['message-tags', 'account-tag'] });
    const { transport, events } = await start(server, ircSettings(server.port));
    await eventually(() => transport.status().joined.includes('#ops'), 'join');
    server.broadcast('@account=bob;msgid=m1 :bob!b@host PRIVMSG #ops :!kartotherian status');
    server.broadcast('@msgid=m2 :bob!b@host PRIVMSG #ops :!approve abc');
    server.broadcast('@account=bob;msgid=m3 :b0b!b@host PRIVMSG #OPS :from another nick');
    server.broadcast('@account=mallory :bob!b@host PRIVMSG #ops :mallory in bob\'s nick');
    // A private message is a command too (read-only ones answered there), but without account-tag's vouching, from a stranger.
    server.broadcast(':bob!b@host PRIVMSG cutover :!kartotherian status');
    server.broadcast('@account=bob :bob!b@host TAGMSG #ops');
    server.broadcast('@account=carol;+draft/react=👍;+draft/reply=m0 :carol!c@host TAGMSG #ops');
    await eventually(() => events.length >= 6, 'six events');
    const seen = events.map((event): unknown[] => [event.kind, event.caller.person, event.caller.display, event.kind === 'message' ? event.text : event.kind === 'reaction' ? event.emoji : '']);
    expect(seen).toEqual([
      ['message', 'bob', 'bob', '!kartotherian status'],
      ['message', undefined, 'bob', '!approve abc'],
      ['message', 'bob', 'b0b', 'from another nick'],
      ['message', undefined, 'bob', "mallory in bob's nick"],
      ['message', undefined, 'bob', '!kartotherian status'],
      ['reaction', 'carol', 'carol', '👍'],
    ]);
    expect(events[4]).toMatchObject({ caller: { private: true, channel: 'bob' } });
    expect(events[0]).toMatchObject({ caller: { transport: 'irc', channel: '#ops' }, ref: { transport: 'irc', channel: '#ops', id: 'm1' } });
    // The configured spelling of the channel, whatever case the server used.
    expect(events[2]?.caller.channel).toBe('#ops');
    expect(events[5]).toMatchObject({ target: { transport: 'irc', channel: '#ops', id: 'm0' }, removed: false });
  });

  it('without account-tag, accounts come from extended-join and account-notify', async () => {
    const server = await startFakeIrcServer({ caps: ['message-tags', 'extended-join', 'account-notify'] });
    const { transport, events } = await start(server, ircSettings(server.port));
    await eventually(() => transport.status().joined.includes('#ops'), 'join');
    server.broadcast(':carol!c@host JOIN #ops carol :Carol');
    server.broadcast(':dave!d@host JOIN #ops * :Dave');
    server.broadcast(':carol!c@host PRIVMSG #ops :one');
    server.broadcast(':dave!d@host PRIVMSG #ops :two');
    server.broadcast(':dave!d@host ACCOUNT dave');
    server.broadcast(':dave!d@host PRIVMSG #ops :three');
    server.broadcast(':carol!c@host NICK carol_');
    server.broadcast(':carol_!c@host PRIVMSG #ops :four');
    server.broadcast(':carol_!c@host ACCOUNT *');
    server.broadcast(':carol_!c@host PRIVMSG #ops :five');
    await eventually(() => events.length >= 5, 'five messages');
    expect(events.map((event) => [event.caller.display, event.caller.person])).toEqual([
      ['carol', 'carol'],
      ['dave', undefined],
      ['dave', 'dave'],
      ['carol_', 'carol'],
      ['carol_', undefined],
    ]);
  });

  it('without account-tag or extended-join, a WHOX of the channel says who is logged in as whom', async () => {
    const server = await startFakeIrcServer({ caps: ['message-tags'], whox: [{ nick: 'bob', account: 'bob' }, { nick: 'eve' }] });
    const { transport, events } = await start(server, ircSettings(server.port));
    await eventually(() => transport.status().joined.includes('#ops'), 'join');
    await server.waitFor((received) => received.some((r) => /^WHO #ops %\S+,\d+$/.test(r.line)), 'a WHOX of the channel');
    // The WHO reply is in before these lines: the server answers in order.
    server.broadcast(':bob!b@host PRIVMSG #ops :one');
    server.broadcast(':eve!e@host PRIVMSG #ops :two');
    await eventually(() => events.length >= 2, 'two messages');
    expect(events.map((event) => [event.caller.display, event.caller.person])).toEqual([
      ['bob', 'bob'],
      ['eve', undefined],
    ]);
  });
});
