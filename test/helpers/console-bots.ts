import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Config } from '../../config/schema.js';
import type { Role } from '../../bot/main.js';
import { startConsoleBot, type ConsoleBot } from './console-bot.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from './redis.js';

export interface ConsoleBotOverrides {
  /** Reuse a prefix to start a bot on an earlier one's state (a restart). */
  prefix?: string;
  config?: Config;
  role?: Role;
  withConsole?: boolean;
  /** Where `config` was read from, so its plan files are found next to it (default: the shipped config's directory). */
  configPath?: string;
}

export interface ConsoleBots {
  /** A real bot on its own key prefix; stopped, and its keys deleted, after each test. */
  start: (label: string, overrides?: ConsoleBotOverrides) => Promise<ConsoleBot & { prefix: string }>;
  /** A plain client for the test's own reads of Redis. */
  readonly redis: Redis;
}

/**
 * The fixture of every console-bot suite: real Redis required, bots started per test, all of
 * them stopped and their prefixes cleaned up after it. Call it inside `describe`.
 */
export function useConsoleBots(defaultConfig: () => Config): ConsoleBots {
  let redis: Redis | undefined;
  const running: ConsoleBot[] = [];
  const prefixes: string[] = [];

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((chat) => chat.bot.stop()));
    await Promise.all(prefixes.splice(0).map((prefix) => cleanupPrefix(client(), prefix)));
  });

  afterAll(async () => {
    await redis?.quit();
  });

  function client(): Redis {
    if (redis === undefined) throw new Error('useConsoleBots: Redis is only there once the suite has started');
    return redis;
  }

  return {
    get redis() {
      return client();
    },
    start: async (label, overrides = {}) => {
      const prefix = overrides.prefix ?? uniquePrefix(label);
      if (!prefixes.includes(prefix)) prefixes.push(prefix);
      const chat = await startConsoleBot({
        config: overrides.config ?? defaultConfig(),
        prefix,
        redisUrl: TEST_REDIS_URL,
        ...(overrides.role === undefined ? {} : { role: overrides.role }),
        ...(overrides.withConsole === undefined ? {} : { withConsole: overrides.withConsole }),
        ...(overrides.configPath === undefined ? {} : { configPath: overrides.configPath }),
      });
      running.push(chat);
      return { ...chat, prefix };
    },
  };
}
