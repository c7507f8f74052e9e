import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_CONFIG_PATH, loadConfig, readEnvSettings } from '../config/load.js';
import { withSecretFiles } from '../config/secret-files.js';
import { CutoverError } from '../core/errors.js';
import { createLogger } from './logger.js';
import { startBot, type Role } from './main.js';

const USAGE = `usage: npm start -- [--config FILE] [--role all|gateway|worker]

Runs cutover. With no options: the console channel on stdin/stdout against the simulated
Kartotherian fleet in config/kartotherian.yaml, with Redis at REDIS_URL (or a private
redis-server started under .state/ when nothing answers there).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG_PATH },
      role: { type: 'string', default: 'all' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!['all', 'gateway', 'worker'].includes(values.role)) throw new CutoverError('input.invalid', `--role must be all, gateway or worker, not "${values.role}".`);
  const role = values.role as Role;
  const config = await loadConfig(values.config);
  const env = readEnvSettings(await withSecretFiles(config.secrets, process.env));
  // Logs go to stderr: stdout is the console channel and must read as a conversation.
  const log = createLogger(env.logLevel, pino.destination(2));
  const bot = await startBot({ config, configPath: values.config, env, log, role, console: { input: process.stdin, output: process.stdout, echo: !process.stdin.isTTY } });

  const shutdown = async (why: string): Promise<void> => {
    log.info({ why }, 'shutting down');
    await bot.stop();
  };
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const inputEnded = role === 'worker' ? new Promise<never>(() => undefined) : bot.inputEnded.then(() => 'input ended');
  const why = await Promise.race([signalled, inputEnded]);
  if (why === 'input ended') {
    const idle = await bot.settle(config.shutdown_grace_seconds * 1000);
    if (!idle) process.stderr.write(`cutover: work still in flight after ${config.shutdown_grace_seconds}s; stopping anyway (it resumes on next start).\n`);
  }
  await shutdown(why);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof CutoverError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`cutover: ${message}\n`);
    process.exit(1);
  },
);
