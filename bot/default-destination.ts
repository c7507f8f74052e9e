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

/** Every channel of every enabled transport: where a rollback, a guard's depool and an emergency stop are said. */
export function everyDestination(config: Config): Destination[] {
  const { console: consoleChat, irc, slack } = config.transports;
  return [
    ...(consoleChat?.enabled === true ? [{ transport: 'console', channel: consoleChat.channel }] : []),
    ...(irc?.enabled === true ? irc.channels.map((channel) => ({ transport: 'irc', channel })) : []),
    ...(slack?.enabled === true ? slack.channels.map((channel) => ({ transport: 'slack', channel })) : []),
  ];
}
