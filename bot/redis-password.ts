import { randomBytes } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The private server's password, generated once per state dir and kept 0600 beside its data. */
const PASSWORD_FILE = 'redis.password';
/** Holds `requirepass`: a password on the command line would show in `ps` to every local user. */
const CONF_FILE = 'redis.conf';

export function passwordFile(dir: string): string {
  return join(dir, PASSWORD_FILE);
}

/** The state dir's password: read back when an earlier run made one, else made now (192 random bits). */
export async function privatePassword(dir: string): Promise<string> {
  const file = passwordFile(dir);
  const existing = await readFile(file, 'utf8').then((text) => text.trim(), () => '');
  if (/^[0-9a-f]{32,}$/.test(existing)) {
    await chmod(file, 0o600);
    return existing;
  }
  const password = randomBytes(24).toString('hex');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

export function privateUrl(port: number, password: string): string {
  return `redis://:${password}@127.0.0.1:${port}`;
}

/** The config file the private server starts from (0600): only the password is in it. */
export async function writePrivateConf(dir: string, password: string): Promise<string> {
  const conf = join(dir, CONF_FILE);
  await writeFile(conf, `requirepass ${password}\n`, { mode: 0o600 });
  await chmod(conf, 0o600);
  return conf;
}
