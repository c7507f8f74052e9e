/**
 * A bin directory for the bot's PATH while it runs against the lab: cumin, helmfile, kubectl,
 * cookbook and sudo wrappers that set CUTOVER_LAB_URL and CUTOVER_LAB_TOPOLOGY and exec the
 * stand-ins in lab/bin. The bot's command runner passes only PATH (and what the adapters add) to
 * the tools it runs, so the lab's whereabouts travel in the wrappers, not in the bot's environment:
 * the bot runs with its production config and code path, only PATH differs.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LAB_URL_ENV } from '../control-api.js';
import { TOPOLOGY_FILE_ENV } from './topology-file.js';

export const STAND_IN_TOOLS = ['cumin', 'helmfile', 'kubectl', 'cookbook', 'sudo'] as const;
export const LAB_BIN = join(import.meta.dirname, '..', 'bin');

/** One word for /bin/sh, whatever it contains. */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A /bin/sh script that exports `env` and execs `argv` followed by its own arguments. */
export function execScript(argv: readonly string[], env: Readonly<Record<string, string>> = {}): string {
  const exports = Object.entries(env).map(([key, value]) => `${key}=${shQuote(value)}; export ${key}\n`);
  return `#!/bin/sh\n${exports.join('')}exec ${argv.map(shQuote).join(' ')} "$@"\n`;
}

/** Writes the wrappers into `dir`; returns the directory to put first on the bot's PATH. */
export async function writeLabBin(dir: string, lab: { url: string; topologyFile: string }): Promise<string> {
  await mkdir(dir, { recursive: true });
  const env = { [LAB_URL_ENV]: lab.url, [TOPOLOGY_FILE_ENV]: lab.topologyFile };
  for (const tool of STAND_IN_TOOLS) {
    const file = join(dir, tool);
    await writeFile(file, execScript([join(LAB_BIN, tool)], env));
    await chmod(file, 0o755);
  }
  return dir;
}
