import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import type { webApi } from '@slack/bolt';
import { startBot, type Bot } from '../../bot/main.js';
import { createSlackTransport } from '../../bot/slack/create-slack-transport.js';
import type { SlackTransport } from '../../bot/slack/slack-transport.js';
import type { Config, SlackTransportConfig } from '../../config/schema.js';
import { FakeSlackApi, type SlackCall } from './fake-slack-api.js';
import { FakeSocketMode } from './fake-socket-mode.js';
import { OPS_CHANNEL, SIGNING_SECRET } from './slack-requests.js';

export const BOT_TOKEN = 'xoxb-test-0000-bot-token';
export const APP_TOKEN = 'xapp-test-0000-app-token';

export interface SlackBot {
  bot: Bot;
  transport: SlackTransport;
  api: FakeSlackApi;
  /** Socket mode only. */
  socket: FakeSocketMode | undefined;
  /** HTTP mode only: where Slack would POST events, interactivity and commands. */
  eventsUrl: string;
  /** Everything the transport logged. */
  logs: string[];
  console: ConsoleView | undefined;
  stop(): Promise<void>;
}

export interface ConsoleView {
  say(line: string): void;
  transcript(): string[];
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

export interface SlackBotOptions {
  config: Config;
  prefix: string;
  redisUrl: string;
  mode: 'http' | 'socket';
  /** Run the console transport next to Slack (cross-transport tests). */
  withConsole?: boolean;
  progressIntervalMs?: number;
  /** Pace of Web API calls per channel; tests of behaviour other than pacing go faster than Slack's 1/s. */
  callIntervalMs?: number;
  clientOptions?: webApi.WebClientOptions;
  /** The same Slack across a restart: a fake Web API from an earlier bot, left running when this one stops. */
  api?: FakeSlackApi;
}

/**
 * The real bot (startBot: dispatcher, Redis, BullMQ workers) with the real Slack transport injected,
 * talking to a fake Web API and, in socket mode, a fake socket-mode server. Slack stays out of
 * the config's transports so the composition root never builds a second one.
 */
export async function startSlackBot(options: SlackBotOptions): Promise<SlackBot> {
  const api = options.api ?? (await FakeSlackApi.start());
  const socket = options.mode === 'socket' ? await FakeSocketMode.start() : undefined;
  if (socket !== undefined) api.socketUrl = socket.url;
  const logs: string[] = [];
  const settings: SlackTransportConfig = { enabled: true, mode: options.mode, port: 0, channels: [OPS_CHANNEL, 'C0OTHER001'], api_url: api.url, slash_commands: {} };
  const env = { redisUrl: options.redisUrl, logLevel: 'silent', slackBotToken: BOT_TOKEN, slackAppToken: APP_TOKEN, slackSigningSecret: SIGNING_SECRET };
  const transport = createSlackTransport(settings, env, options.config, (message, error) => logs.push(error === undefined ? message : `${message}: ${error instanceof Error ? error.message : JSON.stringify(error)}`), {
    listenHost: '127.0.0.1',
    ...(options.clientOptions === undefined ? {} : { clientOptions: options.clientOptions }),
    ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
    callIntervalMs: options.callIntervalMs ?? 200,
  });
  const consoleIo = options.withConsole === true ? consoleStreams() : undefined;
  const bot = await startBot({
    config: options.config,
    env,
    log: pino({ level: 'silent' }),
    role: 'all',
    prefix: options.prefix,
    lockRetryMs: 200,
    transports: [transport],
    ...(consoleIo === undefined ? {} : { console: { input: consoleIo.input, output: consoleIo.output, echo: true } }),
  });
  return {
    bot,
    transport,
    api,
    socket,
    eventsUrl: `http://127.0.0.1:${transport.httpPort ?? 0}/slack/events`,
    logs,
    console: consoleIo?.view,
    async stop() {
      await bot.stop();
      await socket?.close();
      if (options.api === undefined) await api.close();
    },
  };
}

/** The request a chat.postMessage announced: its ts and what its Approve button carries. */
export function announced(call: SlackCall): { ts: string; channel: string; requestId: string; actionHash: string; value: string } {
  const blocks = call.params['blocks'] as { type: string; elements?: { action_id: string; value: string }[] }[] | undefined;
  const approve = blocks?.find((block) => block.type === 'actions')?.elements?.find((element) => element.action_id === 'cutover_approve');
  if (approve === undefined) throw new Error(`not a request announcement: ${JSON.stringify(call.params)}`);
  const value = JSON.parse(approve.value) as { requestId: string; actionHash: string };
  return { ts: String(call.response['ts']), channel: String(call.params['channel']), ...value, value: approve.value };
}

function consoleStreams(): { input: PassThrough; output: PassThrough; view: ConsoleView } {
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: string[] = [];
  let buffered = '';
  output.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  return {
    input,
    output,
    view: {
      say: (line) => input.write(`${line}\n`),
      transcript: () => [...lines],
      async waitFor(pattern, timeoutMs = 10_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          for (const line of lines) {
            const match = pattern.exec(line);
            if (match !== null) return match;
          }
          if (Date.now() > deadline) throw new Error(`Timed out waiting for ${String(pattern)}; console:\n${lines.join('\n')}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      },
    },
  };
}
