import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { EnvSettings } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/ports/stores.js';
import type { ChatTransport } from './transport.js';

export type Role = 'all' | 'gateway' | 'worker';

export interface BotOptions {
  config: Config;
  env: EnvSettings;
  log: Logger;
  /** gateway: chat in, replies out; worker: runs approved actions; all: both in one process. */
  role: Role;
  console?: { input: Readable; output: Writable; echo: boolean };
  clock?: Clock;
  /** Overrides config.redis.prefix, e.g. a unique one per test. */
  prefix?: string;
  lockRetryMs?: number;
  /** Where the config was read from: plan files are resolved next to it. */
  configPath?: string;
  /** false skips the IRC and Slack transports the config names (tests inject their own). */
  configuredChat?: boolean;
  /** Transports built by the caller (tests, embedders), run next to the configured ones. */
  transports?: ChatTransport[];
}
