import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { CutoverError } from '../core/errors.js';
import { conduitTokenSchema } from '../adapters/phabricator/settings.js';
import { parseSentinelList, sentinelNameSchema, type SentinelAddress } from './redis-settings.js';
import { configSchema, type Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('./kartotherian.yaml', import.meta.url));

/** Settings that come from the environment only: secrets and per-machine endpoints never live in the YAML. */
export interface EnvSettings {
  redisUrl: string;
  /** REDIS_SENTINELS: the sentinels to ask for the primary, instead of redis.sentinels in the YAML. */
  redisSentinels?: SentinelAddress[] | undefined;
  /** REDIS_SENTINEL_NAME: the name they monitor the primary under. */
  redisSentinelName?: string | undefined;
  /** REDIS_PASSWORD (or secrets.redis_password_file): the primary's and replicas' password, instead of the one in REDIS_URL. */
  redisPassword?: string | undefined;
  /** REDIS_SENTINEL_PASSWORD: for sentinels that ask for one (`requirepass` in sentinel.conf). */
  redisSentinelPassword?: string | undefined;
  logLevel: string;
  ircSaslPassword?: string | undefined;
  slackBotToken?: string | undefined;
  slackAppToken?: string | undefined;
  slackSigningSecret?: string | undefined;
  etcdPassword?: string | undefined;
  /** Conduit API token (api-…), for backends.phabricator. */
  phabricatorToken?: string | undefined;
  /** Grafana service account token, for backends.grafana. */
  grafanaToken?: string | undefined;
  /** ssh-agent socket for cumin and deployment hosts; passed to ssh, nothing else. */
  sshAuthSock?: string | undefined;
  /** CUTOVER_INSTANCE: this process's name in the leader lease; absent, `<hostname>-<pid>`. */
  instance?: string | undefined;
}

const envSchema = z.object({
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'REDIS_URL must be a redis:// or rediss:// URL' }).optional(),
  REDIS_SENTINELS: z
    .string()
    .transform((text, ctx) => {
      const parsed = parseSentinelList(text);
      if (parsed.ok) return parsed.sentinels;
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    })
    .optional(),
  REDIS_SENTINEL_NAME: sentinelNameSchema.optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  IRC_SASL_PASSWORD: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', { error: 'SLACK_BOT_TOKEN must be a bot token (xoxb-…)' }).optional(),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', { error: 'SLACK_APP_TOKEN must be an app-level token (xapp-…)' }).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  CUTOVER_ETCD_PASSWORD: z.string().min(1).optional(),
  PHABRICATOR_TOKEN: conduitTokenSchema.optional(),
  GRAFANA_TOKEN: z.string().min(1).optional(),
  SSH_AUTH_SOCK: z.string().min(1).optional(),
  CUTOVER_INSTANCE: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'CUTOVER_INSTANCE must be 1-64 letters, digits, dots, dashes or underscores' }).optional(),
});

export function readEnvSettings(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new CutoverError('config.invalid', `Bad environment:\n${formatIssues(parsed.error.issues)}`);
  }
  return {
    redisUrl: parsed.data.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisSentinels: parsed.data.REDIS_SENTINELS,
    redisSentinelName: parsed.data.REDIS_SENTINEL_NAME,
    redisPassword: parsed.data.REDIS_PASSWORD,
    redisSentinelPassword: parsed.data.REDIS_SENTINEL_PASSWORD,
    logLevel: parsed.data.LOG_LEVEL ?? 'warn',
    ircSaslPassword: parsed.data.IRC_SASL_PASSWORD,
    slackBotToken: parsed.data.SLACK_BOT_TOKEN,
    slackAppToken: parsed.data.SLACK_APP_TOKEN,
    slackSigningSecret: parsed.data.SLACK_SIGNING_SECRET,
    etcdPassword: parsed.data.CUTOVER_ETCD_PASSWORD,
    phabricatorToken: parsed.data.PHABRICATOR_TOKEN,
    grafanaToken: parsed.data.GRAFANA_TOKEN,
    sshAuthSock: parsed.data.SSH_AUTH_SOCK,
    instance: parsed.data.CUTOVER_INSTANCE,
  };
}

/** Parses and validates a config text; every problem is reported at once, with its path. */
export function parseConfig(text: string, source: string): Config {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => `  ✖ ${error.message.split('\n')[0]}`).join('\n');
    throw new CutoverError('config.invalid', `${source} is not valid YAML:\n${problems}`);
  }
  const parsed = configSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new CutoverError('config.invalid', `${source} is invalid:\n${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

export async function loadConfig(path: string = DEFAULT_CONFIG_PATH): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CutoverError('config.unreadable', `Cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  return parseConfig(text, path);
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `  ✖ ${path}: ${issue.message}`;
    })
    .join('\n');
}
