import type { BotOptions } from './bot-options.js';
import { ConsoleTransport } from './console-transport.js';
import { createIrcTransport } from './irc/create-irc-transport.js';
import { createSlackTransport } from './slack/create-slack-transport.js';
import type { ChatTransport } from './transport.js';

/**
 * The console, when this process has one: the operator's own terminal, read for the whole life
 * of the process, leading or standing by. A worker talks in none.
 */
export function createConsoleTransport(options: BotOptions): ConsoleTransport | undefined {
  const { config } = options;
  const consoleSettings = config.transports.console;
  if (!hasConsole(options) || options.console === undefined || consoleSettings === undefined) return undefined;
  return new ConsoleTransport({ ...options.console, channel: consoleSettings.channel, speaker: consoleSettings.speaker, people: Object.keys(config.people), services: Object.keys(config.services) });
}

/**
 * The shared chats, IRC and Slack side by side, plus any the caller built: connected by the leader
 * alone, built afresh for each term it leads (a stopped transport does not start again). Those the
 * caller built can only serve the first term.
 */
export function createChatTransports(options: BotOptions, term: number): ChatTransport[] {
  const { config, env, log } = options;
  if (options.role === 'worker') return [];
  const transports = term === 1 ? [...(options.transports ?? [])] : [];
  if (term > 1 && (options.transports?.length ?? 0) > 0) log.warn('transports built by the caller served the first term only; this term runs without them');
  if (options.configuredChat === false) return transports;
  const { irc, slack } = config.transports;
  if (irc?.enabled === true) transports.push(createIrcTransport(irc, env, config, (level, message, details) => log[level]({ ...details, transport: 'irc' }, message)));
  if (slack?.enabled === true) transports.push(createSlackTransport(slack, env, config, (message, error) => log.warn({ err: error, transport: 'slack' }, message)));
  return transports;
}

/** The transports this process may run besides the configured ones (its console, the caller's), for their outboxes. */
export function localTransportNames(options: BotOptions): string[] {
  return [...(hasConsole(options) ? ['console'] : []), ...(options.role === 'worker' ? [] : (options.transports ?? []).map((transport) => transport.name))];
}

/** Every transport the config enables, whether or not this process runs it: a worker's results go to their outboxes. */
export function configuredTransportNames(options: BotOptions): string[] {
  return Object.entries(options.config.transports)
    .filter(([, settings]) => settings?.enabled === true)
    .map(([name]) => name);
}

/** Whether this process runs IRC, Slack or a caller's transport when it leads. */
export function hasSharedChats(options: BotOptions): boolean {
  const { irc, slack } = options.config.transports;
  return options.role !== 'worker' && ((options.transports?.length ?? 0) > 0 || (options.configuredChat !== false && (irc?.enabled === true || slack?.enabled === true)));
}

function hasConsole(options: BotOptions): boolean {
  return options.role !== 'worker' && options.console !== undefined && options.config.transports.console?.enabled === true;
}
