import type { Config } from '../config/schema.js';
import type { Destination } from '../jobs/notifier.js';

/** Where the bot speaks when nothing better is known (no plan channel): the first configured channel. */
export function defaultDestination(config: Config): Destination | undefined {
  const { console: consoleChat, irc, slack } = config.transports;
  if (consoleChat?.enabled === true) return { transport: 'console', channel: consoleChat.channel };
  if (irc?.enabled === true && irc.channels[0] !== undefined) return { transport: 'irc', channel: irc.channels[0] };
  if (slack?.enabled === true && slack.channels[0] !== undefined) return { transport: 'slack', channel: slack.channels[0] };
  return undefined;
}

/**
 * Every channel of every transport this process runs: where a rollback, a guard's depool and an
 * emergency stop are said. `running` rather than the `enabled` flags, since a transport can be
 * handed in already built (tests, a gateway that owns its connections).
 */
export function everyDestination(config: Config, running: readonly string[]): Destination[] {
  const { console: consoleChat, irc, slack } = config.transports;
  const runs = (name: string): boolean => running.includes(name);
  return [
    ...(consoleChat !== undefined && runs('console') ? [{ transport: 'console', channel: consoleChat.channel }] : []),
    ...(irc !== undefined && runs('irc') ? irc.channels.map((channel) => ({ transport: 'irc', channel })) : []),
    ...(slack !== undefined && runs('slack') ? slack.channels.map((channel) => ({ transport: 'slack', channel })) : []),
  ];
}
