import { delimiter } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openLab, type OpenLab, type OpenLabOptions } from '../../lab/rehearse/open-lab.js';
import type { ConsoleBot } from './console-bot.js';
import { useConsoleBots, type ConsoleBots } from './console-bots.js';
import { requestStep } from './plan-steps.js';

export const K = '!kartotherian';

export interface LabBots extends ConsoleBots {
  /** The lab of this suite, open from beforeAll to afterAll. */
  lab(): OpenLab;
}

/**
 * A suite's lab (real etcd, HAProxy, pybal monitors, TLS servers, CDN traffic, Prometheus) and
 * console bots that run against it with its production config. The stand-in tools go first on
 * PATH, which is all the bot's command runner passes to what it runs: the code path is production's.
 */
export function useLabBots(options: OpenLabOptions = {}): LabBots {
  let opened: OpenLab | undefined;
  const originalPath = process.env['PATH'];
  beforeAll(async () => {
    opened = await openLab(options);
    process.env['PATH'] = `${opened.binDir}${delimiter}${originalPath ?? ''}`;
  }, 60_000);
  afterAll(async () => {
    process.env['PATH'] = originalPath;
    await opened?.stop();
  }, 30_000);
  const lab = (): OpenLab => {
    if (opened === undefined) throw new Error('the lab is only there once the suite has started');
    return opened;
  };
  const bots = useConsoleBots(() => lab().config);
  return {
    get redis() {
      return bots.redis;
    },
    start: (label, overrides = {}) => bots.start(label, { configPath: lab().configPath, ...overrides }),
    lab,
  };
}

/** Requests the next step as alice, approves it as bob (and carol where two are needed), waits for `expected`. */
export async function labStep(chat: ConsoleBot, expected: RegExp, options: { timeoutMs?: number } = {}): Promise<string> {
  const mark = chat.transcript().length;
  const id = await requestStep(chat, 'rehearsal on the lab');
  chat.say('/as bob');
  chat.say(`!approve ${id}`);
  if (/needs 2 approval/.test(chat.transcript().slice(mark).join('\n'))) {
    chat.say('/as carol');
    chat.say(`!approve ${id}`);
  }
  const [line] = await chat.waitFor(expected, { from: mark, timeoutMs: options.timeoutMs ?? 60_000 });
  return line;
}
