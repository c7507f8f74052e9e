import { parseArgs } from 'node:util';
import { Redis, type RedisOptions } from 'ioredis';
import { DEFAULT_CONFIG_PATH, loadConfig, readEnvSettings } from '../config/load.js';
import { CutoverError } from '../core/errors.js';
import { RedisAuditLog } from '../jobs/redis-audit-log.js';
import { describeRedisTarget, resolveRedisTarget, sentinelOptions } from '../jobs/redis-connection.js';
import { withSecretFiles } from '../config/secret-files.js';
import { redactRedisUrl } from './redact-url.js';

const USAGE = `usage: npm run audit-export -- [--config FILE] [--since 2026-11-24T00:00:00Z] [--service NAME]

Writes the whole audit trail (every command, approval, action, result and error) to stdout as
JSON Lines, oldest first, from the Redis at REDIS_URL (or behind REDIS_SENTINELS / redis.sentinels)
under the config's redis.prefix.`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG_PATH },
      since: { type: 'string' },
      service: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const sinceMs = values.since === undefined ? 0 : Date.parse(values.since);
  if (Number.isNaN(sinceMs)) throw new CutoverError('input.invalid', `--since must be an ISO 8601 time, not "${values.since}".`);
  const config = await loadConfig(values.config);
  // Only the Redis password's file: whoever exports may not be allowed to read the chat secrets.
  const redisSecret = config.secrets.redis_password_file === undefined ? {} : { redis_password_file: config.secrets.redis_password_file };
  const env = readEnvSettings(await withSecretFiles(redisSecret, process.env));
  const target = resolveRedisTarget(config.redis, env);
  // One attempt, no retry loop: an export that silently waits for Redis would look like an empty trail.
  const once: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null, lazyConnect: true };
  const redis = target.kind === 'server' ? new Redis(target.url, once) : new Redis({ ...sentinelOptions(target), ...once, sentinelRetryStrategy: () => null, failoverDetector: false });
  redis.on('error', () => undefined);
  try {
    await redis.connect().catch((cause: unknown) => {
      throw new CutoverError('redis.unavailable', `No Redis at ${describeRedisTarget(target, redactRedisUrl)}; set REDIS_URL (or REDIS_SENTINELS) to the bot's Redis.`, { cause });
    });
    const audit = new RedisAuditLog(redis, config.redis.prefix, { now: () => Date.now() });
    let written = 0;
    for await (const record of audit.exportAll(sinceMs)) {
      if (values.service !== undefined && record.service !== values.service && record.service !== '-') continue;
      // Respect backpressure so a pipe into gzip or ssh never buffers the whole trail.
      if (!process.stdout.write(`${JSON.stringify(record)}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      written += 1;
    }
    process.stderr.write(`audit-export: ${written} record(s) from ${config.redis.prefix}:audit\n`);
    return 0;
  } finally {
    redis.disconnect();
  }
}

// exitCode, not exit(): process.exit would cut off stdout still draining into a pipe.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`audit-export: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
