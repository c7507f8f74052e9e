import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { createIrcTransport } from '../bot/irc/create-irc-transport.js';
import { createSlackTransport } from '../bot/slack/create-slack-transport.js';
import type { MessageRef, OutboundMessage } from '../bot/transport.js';
import type { Config, IrcTransportConfig, SlackTransportConfig } from '../config/schema.js';
import { CONTINUATION } from '../bot/irc/split-line.js';
import { isSalLine } from '../jobs/notifier.js';
import { FakeSlackApi, textOf, type SlackCall } from '../test/helpers/fake-slack-api.js';
import { FakeClock } from '../test/helpers/irc-fake-clock.js';
import { startFakeIrcServer } from '../test/helpers/irc-fake-server.js';
import { BOT_TOKEN } from '../test/helpers/slack-bot.js';
import { OPS_CHANNEL, SIGNING_SECRET } from '../test/helpers/slack-requests.js';
import { TEST_REDIS_URL } from '../test/helpers/redis.js';
import { BENCH_CONFIG_PATH, CHANNEL, fleetConfig, pollUntil, SERVICE, sleep, startBenchBot } from './harness.js';
import type { Row } from './table.js';

const WAVE = 50;

export type Event = { at: number; kind: 'send'; id: string; message: OutboundMessage } | { at: number; kind: 'react'; target: string; emoji: string };

/** A 50-host wave as the bot said it: every message and mark handed to the transport, in order, with timing. */
export interface RecordedWave {
  /** The wave's request id. */
  id: string;
  events: Event[];
  config: Config;
  rss: number;
  heapUsed: number;
  baseline: number;
}

/**
 * The wave runs for real (plan runner, simulated conftool in Redis) with the bench transport as
 * its channel, which records every message and mark the bot hands a transport, with timing.
 */
export async function recordWave(redis: Redis): Promise<RecordedWave> {
  const config = await fleetConfig({ maps: 60, workers: WAVE });
  // 60 pooled maps hosts: pybal could eject all 50 unproven workers, so the wave is allowed at the shipped threshold.
  config.plans = { [SERVICE]: { file: 'plans/wave-50.yaml' } };
  const baseline = process.memoryUsage().rss;
  const bench = await startBenchBot('airtime', config, { redis, configPath: BENCH_CONFIG_PATH });
  try {
    const { chat } = bench;
    const from = chat.sent.length;
    const asked = chat.say('alice', `!${SERVICE} next airtime`);
    const reply = await chat.replyTo(asked.ref);
    const id = /^⏳ (\w+): alice asks to run/.exec(reply.message.text)?.[1];
    if (id === undefined) throw new Error(`bench: wave refused: ${reply.message.text}`);
    chat.say('bob', `!approve ${id}`);
    // The plan announces the step's end once, naming the request (issue 14): no second `✅ <id> done`.
    await chat.waitFor((message) => message.kind === 'result' && message.text.startsWith('✅ eqiad wave done') && message.text.endsWith(`(${id})`), { from, timeoutMs: 60_000 });
    // Marks are set after the result is sent: give the delivery a moment to place them.
    await sleep(300);
    const { rss, heapUsed } = process.memoryUsage();
    const events = [
      ...chat.sent.slice(from).map((sent): Event => ({ at: sent.at, kind: 'send', id: sent.ref.id, message: sent.message })),
      ...chat.reactions.filter((reaction) => reaction.at >= (chat.sent[from]?.at ?? 0)).map((reaction): Event => ({ at: reaction.at, kind: 'react', target: reaction.target.id, emoji: reaction.emoji })),
    ].sort((a, b) => a.at - b.at);
    return { id, events, config, rss, heapUsed, baseline };
  } finally {
    await bench.stop();
  }
}

/**
 * Whether a message is the wave's: its request, the decision and everything threaded under the
 * request, and its `!log`. The rest is the guard's news of the fleet (the bench's workers serve
 * no real traffic, so it says so), which is not the wave's narration.
 */
export function isWaves(event: Event): boolean {
  return event.kind === 'react' || event.message.request !== undefined || event.message.replyTo !== undefined || isSalLine(event.message.text);
}

/** An IRC line the fake server received: PRIVMSG text, or a TAGMSG mark; and whether it is the wave's. */
export interface IrcLine {
  line: string;
  /** `mark 👀` for a TAGMSG, else the PRIVMSG text. */
  said: string;
  waves: boolean;
}

/**
 * Airtime of a 50-host wave. The recorded sequence is replayed into the real IRC transport (its
 * outbox on a fake clock, writing to a fake IRC server over a socket) and the real Slack
 * transport (against a fake Web API), and what reaches each wire is counted.
 */
export async function benchAirtime(redis: Redis): Promise<Row[]> {
  const wave = await recordWave(redis);
  const { events, config } = wave;
  const sends = events.filter((event) => event.kind === 'send');
  const ours = sends.filter(isWaves);
  const byKind = new Map<string, number>();
  for (const event of ours) byKind.set(event.message.kind, (byKind.get(event.message.kind) ?? 0) + 1);
  const produced = `${ours.length} messages (${[...byKind].map(([kind, count]) => `${count} ${kind}`).join(', ')}) + ${events.length - sends.length} marks`;

  const irc = await replayIrc(events, config);
  const slack = await replaySlack(events, config);
  const waveLines = irc.lines.filter((line) => line.waves);
  const guardLines = irc.lines.length - waveLines.length;
  const what = waveLines.map((line) => ircWhat(line.said)).join(', ');
  const channel = slack.calls.filter((call) => call.method === 'chat.postMessage' && call.params['thread_ts'] === undefined);
  const waveChannel = channel.filter((call) => textOf(call).includes(wave.id));
  const thread = slack.calls.filter((call) => call.method === 'chat.postMessage' && call.params['thread_ts'] !== undefined);
  const edits = slack.calls.filter((call) => call.method === 'chat.update');
  const marks = slack.calls.filter((call) => call.method === 'reactions.add');
  const editGap = Math.min(...edits.slice(1).map((call, index) => call.at - (edits[index]?.at ?? 0)));
  const one = (value: number): { median: number; p99: number; runs: number } => ({ median: value, p99: value, runs: 1 });
  return [
    {
      row: `5 IRC lines, ${WAVE}-host wave`,
      ...one(waveLines.length),
      unit: 'lines',
      notes: `PRIVMSG+TAGMSG the fake server received for the wave's ${produced}, in wire order: ${what}; replayed with recorded timing; outbox burst 4, 1 line/s (fake clock): on air ${irc.airtimeSeconds.toFixed(0)} s. Not counted: ${guardLines} guard lines (❔ inconclusive: the bench's fleet serves no real traffic)`,
    },
    {
      row: `5 Slack channel messages, ${WAVE}-host wave`,
      ...one(waveChannel.length),
      unit: 'messages',
      notes: `the request, edited in place ${edits.length}× (chat.update: approved by, ▶, ✅ done, buttons gone; ≥ ${(editGap / 1000).toFixed(1)} s apart) + ${thread.length} thread replies (👍, ▶, !log, ✅) + ${marks.length} reactions.add; all Slack calls ${slack.calls.length} (auth.test excluded), same sequence replayed in real time. Not counted: ${channel.length - waveChannel.length} guard posts in the channel`,
    },
    { row: '7 RSS after the wave', ...one(Math.round(wave.rss / 1024 / 1024)), unit: 'MiB', notes: `process.memoryUsage().rss of this bench's own process, which runs the bot in-process (heapUsed ${Math.round(wave.heapUsed / 1024 / 1024)} MiB; ${Math.round(wave.baseline / 1024 / 1024)} MiB before the bot started), right after the ${WAVE}-host wave` },
  ];
}

/** A line named by what it is: its glyph and first words, or its mark. */
function ircWhat(said: string): string {
  if (said.startsWith('mark ')) return said;
  return said.startsWith('!log') ? '!log' : said.split(' ').slice(0, 1).join(' ');
}

export async function replayIrc(events: readonly Event[], config: Config): Promise<{ lines: IrcLine[]; airtimeSeconds: number }> {
  // echo-message and message-tags, as on Libera: sends get msgids, so marks can go out as TAGMSG replies.
  const server = await startFakeIrcServer({ caps: ['message-tags', 'echo-message'] });
  const clock = new FakeClock();
  const settings: IrcTransportConfig = {
    enabled: false,
    network: 'bench',
    host: '127.0.0.1',
    port: server.port,
    tls: false,
    tls_verify: true,
    nick: 'cutover',
    channels: [CHANNEL],
    trust_nicks: true,
    // The shipped defaults (config/schema.ts): what the bot would use on Libera.
    outbox: { burst: 4, lines_per_second: 1, max_line_bytes: 350, max_queued_lines: 500 },
    reconnect: { min_seconds: 1, max_seconds: 10 },
  };
  const transport = createIrcTransport(settings, { redisUrl: TEST_REDIS_URL, logLevel: 'silent' }, config, () => undefined, { timers: clock });
  try {
    await transport.start(async () => undefined);
    await pollUntil(async () => transport.status().joined.includes(CHANNEL), { timeoutMs: 10_000, intervalMs: 10 });
    const before = server.received.length;
    const refs = new Map<string, MessageRef | undefined>();
    const start = events[0]?.at ?? 0;
    const origin = clock.now();
    for (const event of events) {
      const due = origin + (event.at - start);
      if (clock.now() < due) clock.advance(due - clock.now());
      if (event.kind === 'react') {
        const target = refs.get(event.target);
        if (target !== undefined) await transport.react(target, event.emoji);
        continue;
      }
      const message = { ...event.message, channel: CHANNEL, ...(event.message.replyTo === undefined ? {} : { replyTo: refs.get(event.message.replyTo.id) }) };
      const sent = transport.send(message);
      // The gateway delivers one message at a time and waits for send(): non-progress waits for its turn in the outbox.
      let ref: MessageRef | undefined;
      let settled = false;
      void sent.then((value) => ((ref = value), (settled = true)), () => (settled = true));
      while (!settled) {
        await sleep(1);
        if (!settled) clock.advance(50);
      }
      refs.set(event.id, ref);
    }
    while (transport.status().queued > 0) {
      clock.advance(100);
      await sleep(1);
    }
    const airtimeSeconds = (clock.now() - origin) / 1000;
    await sleep(200);
    const wire = server.received.slice(before).filter((received) => /^(@\S+ )?(PRIVMSG|TAGMSG) /.test(received.line));
    if (process.env['AIRTIME_DEBUG'] !== undefined) process.stderr.write(`airtime IRC:\n${wire.map((received) => `  ${received.line}`).join('\n')}\n`);
    return { lines: classify(wire.map((received) => received.line), events), airtimeSeconds };
  } finally {
    await transport.stop();
    await server.close();
  }
}

export async function replaySlack(events: readonly Event[], config: Config): Promise<{ calls: SlackCall[] }> {
  const api = await FakeSlackApi.start();
  const settings: SlackTransportConfig = { enabled: true, mode: 'http', port: 0, channels: [OPS_CHANNEL], api_url: api.url, slash_commands: {} };
  const transport = createSlackTransport(settings, { redisUrl: TEST_REDIS_URL, logLevel: 'silent', slackBotToken: BOT_TOKEN, slackSigningSecret: SIGNING_SECRET }, config, () => undefined, { listenHost: '127.0.0.1' });
  try {
    await transport.start(async () => undefined);
    const before = api.calls.length;
    const refs = new Map<string, MessageRef | undefined>();
    const start = events[0]?.at ?? 0;
    const origin = performance.now();
    for (const event of events) {
      const wait = origin + (event.at - start) - performance.now();
      if (wait > 0) await sleep(wait);
      if (event.kind === 'react') {
        const target = refs.get(event.target);
        if (target !== undefined) await transport.react(target, event.emoji);
        continue;
      }
      const replyTo = event.message.replyTo === undefined ? undefined : refs.get(event.message.replyTo.id);
      refs.set(event.id, await transport.send({ ...event.message, channel: OPS_CHANNEL, ...(replyTo === undefined ? {} : { replyTo }) }));
    }
    // stop() lets the progress editor write its last coalesced edit.
    await transport.stop();
    const calls = api.calls.slice(before).filter((call) => call.method !== 'auth.test');
    if (process.env['AIRTIME_DEBUG'] !== undefined) process.stderr.write(`airtime Slack:\n${calls.map((call) => `  ${call.method} ${JSON.stringify(call.params)}`).join('\n')}\n`);
    return { calls };
  } finally {
    await transport.stop();
    await api.close();
  }
}

/** Each wire line with what it says and whose it is: a continuation (↳) is its message's, a mark the wave's. */
function classify(lines: readonly string[], events: readonly Event[]): IrcLine[] {
  const others = events.flatMap((event) => (event.kind === 'send' && !isWaves(event) ? [event.message.text] : []));
  let waves = true;
  return lines.map((line) => {
    const tag = /\+draft\/react=([^;\s]+)/.exec(line);
    if (/^(@\S+ )?TAGMSG /.test(line)) return { line, said: `mark ${tag?.[1] ?? '?'}`, waves: true };
    const said = line.slice(line.indexOf(' :') + 2);
    if (!said.startsWith(CONTINUATION)) waves = !others.some((text) => text.startsWith(said));
    return { line, said, waves };
  });
}
