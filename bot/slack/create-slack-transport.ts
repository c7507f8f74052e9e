import type { EnvSettings } from '../../config/load.js';
import type { Config, SlackTransportConfig } from '../../config/schema.js';
import { CutoverError } from '../../core/errors.js';
import type { SlackLog } from './slack-log.js';
import { SlackTransport, type SlackTransportOptions } from './slack-transport.js';

/** What a caller may add beyond config and environment: tests pass a fake's fetch, shorter intervals, a loopback host. */
export type SlackTransportExtras = Omit<SlackTransportOptions, 'settings' | 'config' | 'tokens' | 'log'>;

/**
 * The Slack transport from the config's `transports.slack` and the secrets in the environment.
 * Tokens come only from the environment; a mode whose secret is missing is refused here, by name,
 * before anything connects.
 */
export function createSlackTransport(settings: SlackTransportConfig, env: EnvSettings, config: Config, log: SlackLog, extras: SlackTransportExtras = {}): SlackTransport {
  const missing = [
    ...(env.slackBotToken === undefined ? ['SLACK_BOT_TOKEN'] : []),
    ...(settings.mode === 'socket' && env.slackAppToken === undefined ? ['SLACK_APP_TOKEN (socket mode)'] : []),
    ...(settings.mode === 'http' && env.slackSigningSecret === undefined ? ['SLACK_SIGNING_SECRET (http mode)'] : []),
  ];
  if (env.slackBotToken === undefined || missing.length > 0) {
    throw new CutoverError('config.invalid', `transports.slack is enabled, but the environment lacks ${missing.join(' and ')}.`);
  }
  return new SlackTransport({
    ...extras,
    settings,
    config,
    tokens: { bot: env.slackBotToken, app: env.slackAppToken, signingSecret: env.slackSigningSecret },
    log,
  });
}
