import type { ConsoleBot } from './console-bot.js';
import type { IrcHuman } from './irc-human.js';
import { firstMatch } from './wait-until.js';

/** The bot's lines as a person in the channel heard them, whichever instance (nick) said them. */
export function botLines(listener: IrcHuman, botNick = /^cutover/): string[] {
  return listener.heard.filter((line) => botNick.test(line.nick) && line.notice !== true).map((line) => line.text);
}

/**
 * People on IRC played as the console is: `/as NAME` switches who speaks, and the transcript is
 * what the first of them heard the bot say. Lets the plan-step helpers drive a bot over IRC.
 */
export function ircChat(channel: string, people: Record<string, IrcHuman>, first: string): Pick<ConsoleBot, 'say' | 'transcript' | 'waitFor'> {
  const listener = people[first];
  if (listener === undefined) throw new Error(`no IRC person ${first}`);
  let speaker = listener;
  const transcript = (): string[] => botLines(listener).map((text) => `<cutover> ${text}`);
  return {
    say(line) {
      const as = /^\/as (\S+)$/.exec(line);
      if (as === null) speaker.say(channel, line);
      else speaker = people[as[1] ?? ''] ?? speaker;
    },
    transcript,
    async waitFor(pattern, { timeoutMs = 10_000, from = 0 } = {}) {
      let found: RegExpExecArray | undefined;
      await listener.waitUntil(() => (found = firstMatch(transcript().slice(from), (line) => line, pattern)?.match) !== undefined, String(pattern), timeoutMs);
      if (found === undefined) throw new Error('unreachable: waitUntil resolved without a match');
      return found;
    },
  };
}
