import { readFile, stat } from 'node:fs/promises';
import { CutoverError } from '../core/errors.js';
import type { Config } from './schema.js';

/** Which environment variable each `secrets.*_file` setting stands in for. */
const ENV_NAME_BY_SETTING = {
  irc_sasl_password_file: 'IRC_SASL_PASSWORD',
  slack_bot_token_file: 'SLACK_BOT_TOKEN',
  slack_app_token_file: 'SLACK_APP_TOKEN',
  slack_signing_secret_file: 'SLACK_SIGNING_SECRET',
  etcd_password_file: 'CUTOVER_ETCD_PASSWORD',
  phabricator_token_file: 'PHABRICATOR_TOKEN',
  grafana_token_file: 'GRAFANA_TOKEN',
  redis_password_file: 'REDIS_PASSWORD',
} as const satisfies Record<keyof Config['secrets'], string>;

export interface SecretFileSystem {
  readFile(path: string): Promise<string>;
  /** Permission bits of the file (st_mode & 0o777). */
  mode(path: string): Promise<number>;
}

const realFileSystem: SecretFileSystem = {
  readFile: (path) => readFile(path, 'utf8'),
  mode: async (path) => (await stat(path)).mode & 0o777,
};

/**
 * Returns the environment with each configured secret file's content under its variable's name, so
 * one schema (readEnvSettings) validates secrets however they arrived. Errors name the setting and
 * the path, never the content.
 */
export async function withSecretFiles(
  files: Config['secrets'],
  env: NodeJS.ProcessEnv,
  fileSystem: SecretFileSystem = realFileSystem,
): Promise<NodeJS.ProcessEnv> {
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [setting, envName] of Object.entries(ENV_NAME_BY_SETTING) as [keyof typeof ENV_NAME_BY_SETTING, string][]) {
    const path = files[setting];
    if (path === undefined) continue;
    // Two sources for one secret means someone believes the other one is in force.
    if (env[envName] !== undefined) {
      throw new CutoverError('config.invalid', `secrets.${setting} and ${envName} are both set; keep one.`);
    }
    merged[envName] = await readSecretFile(setting, path, fileSystem);
  }
  return merged;
}

async function readSecretFile(setting: string, path: string, fileSystem: SecretFileSystem): Promise<string> {
  let mode: number;
  let content: string;
  try {
    mode = await fileSystem.mode(path);
    content = await fileSystem.readFile(path);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new CutoverError('config.unreadable', `secrets.${setting}: cannot read ${path} (${reason}).`, { cause });
  }
  // Group access is how systemd and puppet usually share a credential with a service; the world is not.
  if ((mode & 0o007) !== 0) {
    throw new CutoverError('config.invalid', `secrets.${setting}: ${path} is open to every user (mode ${mode.toString(8).padStart(4, '0')}); run chmod o-rwx on it.`);
  }
  // Editors and `echo` leave a trailing newline that no server expects in a password.
  const secret = content.replace(/\r?\n$/, '');
  if (secret === '' || /[\r\n]/.test(secret)) {
    throw new CutoverError('config.invalid', `secrets.${setting}: ${path} must hold exactly one non-empty line.`);
  }
  return secret;
}
