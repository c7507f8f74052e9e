import type { BotOptions } from './bot-options.js';
import { ConsoleTransport } from './console-transport.js';
import { createIrcTransport } from './irc/create-irc-transport.js';
import { createSlackTransport } from './slack/create-slack-transport.js';
import type { ChatTransport } from './transport.js';

/**
 * The chats this process talks in: the console, IRC and Slack side by side, against the same
 * queue and identities, plus any the caller built. A worker talks in none.
 */
export function createTransports(options: BotOptions): ChatTransport[] {
  const { config, env, log } = options;
  if (options.role === 'worker') return [];
  const transports = [...(options.transports ?? [])];
  const consoleSettings = config.transports.console;
  if (options.console !== undefined && consoleSettings?.enabled === true) {
    transports.push(new ConsoleTransport({ ...options.console, channel: consoleSettings.channel, speaker: consoleSettings.speaker, people: Object.keys(config.people), services: Object.keys(config.services) }));
  }
  if (options.configuredChat === false) return transports;
  const { irc, slack } = config.transports;
  if (irc?.enabled === true) transports.push(createIrcTransport(irc, env, config, (level, message, details) => log[level]({ ...details, transport: 'irc' }, message)));
  if (slack?.enabled === true) transports.push(createSlackTransport(slack, env, config, (message, error) => log.warn({ err: error, transport: 'slack' }, message)));
  return transports;
}

/** Every transport the config enables, whether or not this process runs it: a worker's results go to their outboxes. */
export function configuredTransportNames(options: BotOptions): string[] {
  return Object.entries(options.config.transports)
    .filter(([, settings]) => settings?.enabled === true)
    .map(([name]) => name);
}
