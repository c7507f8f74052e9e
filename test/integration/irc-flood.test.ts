import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIrcTransport } from '../../bot/irc/create-irc-transport.js';
import type { IrcLogLevel } from '../../bot/irc/irc-log.js';
import type { Config, IrcTransportConfig } from '../../config/schema.js';
import { loadShippedConfig } from '../helpers/config.js';
import { startInspircd, type Inspircd } from '../helpers/inspircd.js';
import { connectHuman, type IrcHuman } from '../helpers/irc-human.js';

/**
 * What InspIRCd 3.15 does to a client that writes too fast, with its default <connect> flood
 * settings (threshold 10, commandrate 1000 = one command of penalty drained per second, recvq
 * 8192): with fakelag on, commands past the threshold are held and run at one per second; a
 * burst bigger than the recvq is killed ("RecvQ exceeded"); with fakelag off, the client is
 * killed at the threshold ("Excess Flood"). The outbox must never get there.
 */
describe('InspIRCd flood protection, and the outbox that stays under it', () => {
  let lagging: Inspircd;
  let killing: Inspircd;
  let config: Config;
  const people: IrcHuman[] = [];

  beforeAll(async () => {
    config = await loadShippedConfig();
    [lagging, killing] = await Promise.all([startInspircd(), startInspircd({ flood: { fakelag: false } })]);
  });

  afterEach(() => {
    for (const person of people.splice(0)) person.drop();
  });

  afterAll(async () => {
    await Promise.all([lagging?.dispose(), killing?.dispose()]);
  });

  async function humans(ircd: Inspircd, ...nicks: string[]): Promise<IrcHuman[]> {
    const joined = await Promise.all(nicks.map((nick) => connectHuman({ host: ircd.host, port: ircd.port, nick, channels: ['#ops'] })));
    people.push(...joined);
    return joined;
  }

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  const burst = (person: IrcHuman, count: number, padding = 0): void => {
    for (let i = 1; i <= count; i += 1) person.say('#ops', `naive ${i} ${'x'.repeat(padding)}`);
  };

  it('with the defaults (fakelag on), a naive burst of 100 lines is held back to one line per second', async () => {
    const [observer, naive] = await humans(lagging, 'watcher', 'naive');
    if (observer === undefined || naive === undefined) throw new Error('unreachable');
    burst(naive, 100);
    await sleep(2500);
    const early = observer.heard.length;
    await sleep(2000);
    const later = observer.heard.length;
    // The first few pass, then the server runs one command a second: 90-odd lines are still waiting.
    expect(early).toBeGreaterThanOrEqual(3);
    expect(early).toBeLessThanOrEqual(14);
    expect(later - early).toBeGreaterThanOrEqual(1);
    expect(later - early).toBeLessThanOrEqual(3);
  });

  it('with the defaults, a naive burst bigger than the receive queue is killed (RecvQ exceeded)', async () => {
    const [observer, naive] = await humans(lagging, 'watcher2', 'bigmouth');
    if (observer === undefined || naive === undefined) throw new Error('unreachable');
    burst(naive, 100, 300);
    await observer.waitUntil(() => observer.raw.some((line) => /^(@\S+ )?:bigmouth!\S+ QUIT :RecvQ exceeded/.test(line)), 'bigmouth being killed');
  });

  it('with fakelag off, a naive burst is killed at the threshold (Excess Flood)', async () => {
    const [observer, naive] = await humans(killing, 'watcher3', 'flooder');
    if (observer === undefined || naive === undefined) throw new Error('unreachable');
    burst(naive, 100);
    await observer.waitUntil(() => observer.raw.some((line) => /^(@\S+ )?:flooder!\S+ QUIT :Excess Flood/.test(line)), 'flooder being killed');
    expect(observer.heard.filter((line) => line.nick === 'flooder').length).toBeLessThanOrEqual(10);
  });

  it('100 progress lines through the outbox: never killed, coalesced to one line per request, every result delivered', async () => {
    const [observer] = await humans(killing, 'watcher4');
    if (observer === undefined) throw new Error('unreachable');
    const logs: Array<[IrcLogLevel, string]> = [];
    const settings: IrcTransportConfig = {
      enabled: true,
      network: 'test',
      host: killing.host,
      port: killing.port,
      tls: false,
      tls_verify: true,
      nick: 'cutover',
      channels: ['#ops'],
      trust_nicks: true,
      // The defaults: burst 4, then one line per second.
      outbox: { burst: 4, lines_per_second: 1, max_line_bytes: 350, max_queued_lines: 500 },
      reconnect: { min_seconds: 0.2, max_seconds: 1 },
    };
    const transport = createIrcTransport(settings, { redisUrl: '', logLevel: 'silent' }, config, (level, message) => logs.push([level, message]));
    try {
      await transport.start(async () => undefined);
      await observer.waitUntil(() => transport.status().joined.includes('#ops'), 'the bot joining');
      const from = observer.heard.length;
      const started = Date.now();
      const sends: Array<Promise<unknown>> = [];
      for (let stage = 1; stage <= 25; stage += 1) {
        for (let request = 1; request <= 4; request += 1) {
          sends.push(transport.send({ channel: '#ops', kind: 'progress', text: `⏳ r${request} stage ${stage}/25: depooled wikikube-worker10${stage}`, request: { id: `r${request}`, actionHash: '', state: 'progress' } }));
        }
      }
      for (let request = 1; request <= 2; request += 1) sends.push(transport.send({ channel: '#ops', kind: 'result', text: `✅ r${request} done` }));
      await observer.waitFor(/✅ r2 done/, { from, timeoutMs: 20_000 });
      // Results overtake progress (urgent first): the last stages follow them.
      await observer.waitUntil(() => [1, 2, 3, 4].every((request) => observer.heard.slice(from).some((line) => line.text === `⏳ r${request} stage 25/25: depooled wikikube-worker1025`)), 'the last stage of every request', 20_000);
      const lines = observer.heard.slice(from).filter((line) => line.nick === 'cutover');
      const texts = lines.map((line) => line.text);

      // Never killed, never reconnected.
      expect(observer.raw.some((line) => /^(@\S+ )?:cutover!\S+ QUIT/.test(line))).toBe(false);
      expect(transport.status()).toMatchObject({ state: 'registered', attempts: 1, queued: 0 });
      expect(logs.filter(([level]) => level === 'warn' || level === 'error')).toEqual([]);
      // Results always, in order; the last stage of every request; nothing else but the first burst.
      expect(texts.filter((text) => text.startsWith('✅'))).toEqual(['✅ r1 done', '✅ r2 done']);
      for (let request = 1; request <= 4; request += 1) expect(texts).toContain(`⏳ r${request} stage 25/25: depooled wikikube-worker1025`);
      expect(texts.length).toBeLessThanOrEqual(10);
      // The budget as the channel sees it: at most the burst at once, then about one line a second.
      for (const [index, line] of lines.entries()) {
        const elapsed = line.at - (lines[0]?.at ?? 0);
        expect(index + 1).toBeLessThanOrEqual(4 + Math.floor(elapsed / 1000) + 1);
      }
      expect(Date.now() - started).toBeGreaterThan((texts.length - 5) * 1000);
      // Progress resolves at once (it may be coalesced away); results with the msgid the server gave them.
      expect(await Promise.all(sends.slice(-2))).toEqual([expect.objectContaining({ transport: 'irc', channel: '#ops' }), expect.objectContaining({ transport: 'irc', channel: '#ops' })]);
    } finally {
      await transport.stop();
    }
  });
});
