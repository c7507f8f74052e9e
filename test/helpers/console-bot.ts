import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { startBot, type Bot, type Role } from '../../bot/main.js';
import type { EnvSettings } from '../../config/load.js';
import type { ChatTransport } from '../../bot/transport.js';
import type { Config } from '../../config/schema.js';
import { waitUntil } from './wait-until.js';

export interface ConsoleBot {
  bot: Bot;
  /** Types a line into the console channel, as the current speaker. */
  say(line: string): void;
  /** Everything the channel has seen so far. */
  transcript(): string[];
  /** Resolves with the first match at or after `from` (an index into the transcript). */
  waitFor(pattern: RegExp, options?: { timeoutMs?: number; from?: number }): Promise<RegExpExecArray>;
  endInput(): void;
}

/** Starts the real bot on a console made of in-memory streams, against a real Redis. */
export async function startConsoleBot(options: { config: Config; prefix: string; redisUrl: string; role?: Role; withConsole?: boolean; configPath?: string; env?: Partial<EnvSettings>; transports?: ChatTransport[] }): Promise<ConsoleBot> {
  const { input, output, view } = consoleStreams();
  const bot = await startBot({
    config: options.config,
    env: { ...options.env, redisUrl: options.redisUrl, logLevel: 'silent' },
    log: pino({ level: 'silent' }),
    role: options.role ?? 'all',
    ...(options.withConsole === false ? {} : { console: { input, output, echo: true } }),
    prefix: options.prefix,
    lockRetryMs: 200,
    ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
    ...(options.transports === undefined ? {} : { transports: options.transports }),
  });
  return { bot, ...view };
}

/** A console's two ends in memory, and the view a test reads it through. */
export function consoleStreams(): { input: PassThrough; output: PassThrough; view: Omit<ConsoleBot, 'bot'> } {
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: string[] = [];
  let buffered = '';
  const listeners = new Set<() => void>();
  output.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    for (const listener of listeners) listener();
  });
  return {
    input,
    output,
    view: {
      say: (line) => input.write(`${line}\n`),
      transcript: () => [...lines],
      endInput: () => input.end(),
      waitFor(pattern, { timeoutMs = 10_000, from = 0 } = {}) {
        const probe = (): RegExpExecArray | undefined => {
          for (const line of lines.slice(from)) {
            const match = pattern.exec(line);
            if (match !== null) return match;
          }
          return undefined;
        };
        return waitUntil(listeners, probe, timeoutMs, () => `Timed out waiting for ${String(pattern)}; transcript:\n${lines.join('\n')}`);
      },
    },
  };
}
