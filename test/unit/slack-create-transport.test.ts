import { beforeAll, describe, expect, it } from 'vitest';
import { createSlackTransport } from '../../bot/slack/create-slack-transport.js';
import { SlackTransport } from '../../bot/slack/slack-transport.js';
import type { EnvSettings } from '../../config/load.js';
import type { Config, SlackTransportConfig } from '../../config/schema.js';
import { CutoverError } from '../../core/errors.js';
import { loadShippedConfig } from '../helpers/config.js';

const SOCKET: SlackTransportConfig = { enabled: true, mode: 'socket', port: 3000, channels: [], slash_commands: {} };
const HTTP: SlackTransportConfig = { ...SOCKET, mode: 'http' };
const BASE: EnvSettings = { redisUrl: 'redis://127.0.0.1:6379', logLevel: 'silent' };

describe('createSlackTransport', () => {
  let config: Config;

  beforeAll(async () => {
    config = await loadShippedConfig();
  });

  function refusal(settings: SlackTransportConfig, env: EnvSettings): CutoverError {
    try {
      createSlackTransport(settings, env, config, () => undefined);
    } catch (error) {
      if (error instanceof CutoverError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('names every secret the chosen mode lacks, as a config error, before anything connects', () => {
    const socket = refusal(SOCKET, BASE);
    expect(socket.code).toBe('config.invalid');
    expect(socket.message).toBe('transports.slack is enabled, but the environment lacks SLACK_BOT_TOKEN and SLACK_APP_TOKEN (socket mode).');
    expect(refusal(HTTP, { ...BASE, slackBotToken: 'xoxb-1', slackAppToken: 'xapp-1' }).message).toBe(
      'transports.slack is enabled, but the environment lacks SLACK_SIGNING_SECRET (http mode).',
    );
  });

  it('needs no app token over HTTP and no signing secret in socket mode', () => {
    expect(createSlackTransport(HTTP, { ...BASE, slackBotToken: 'xoxb-1', slackSigningSecret: 's3cret' }, config, () => undefined)).toBeInstanceOf(SlackTransport);
    const socket = createSlackTransport(SOCKET, { ...BASE, slackBotToken: 'xoxb-1', slackAppToken: 'xapp-1' }, config, () => undefined);
    expect(socket.name).toBe('slack');
  });
});
