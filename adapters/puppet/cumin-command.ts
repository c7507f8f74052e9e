import type { CommandSpec } from '../command-runner.js';
import type { PuppetSettings } from './settings.js';

export interface CuminInvocation {
  /** The validated cumin query: `A:maps-eqiad` or `maps100[5-6].eqiad.wmnet`. */
  query: string;
  /** One shell command line for the target hosts; every chat-supplied word in it is already quoted. */
  command: string;
  batchSize?: number;
  batchSleepSeconds?: number;
  timeoutSeconds: number;
}

/**
 * `sudo -n cumin [-b N] [-s S] -t T --force <query> <command>` as an argument array. --force
 * because without a TTY cumin refuses to run unless told --force or --dry-run, and cumin's
 * --dry-run only lists hosts, which is not what this bot's dry run means.
 */
export function cuminSpec(
  settings: Pick<PuppetSettings, 'sudo' | 'timeouts'>,
  invocation: CuminInvocation,
  extras: { env?: Readonly<Record<string, string>>; signal?: AbortSignal },
): CommandSpec {
  const argv: [string, ...string[]] = settings.sudo ? ['sudo', '-n', 'cumin'] : ['cumin'];
  if (invocation.batchSize !== undefined) argv.push('-b', String(invocation.batchSize));
  if (invocation.batchSleepSeconds !== undefined && invocation.batchSleepSeconds > 0) argv.push('-s', String(invocation.batchSleepSeconds));
  argv.push('-t', String(invocation.timeoutSeconds), '--force', invocation.query, invocation.command);
  return {
    argv,
    // cumin's own -t fires first and still prints which hosts timed out; this only catches a cumin that hangs.
    timeoutMs: (invocation.timeoutSeconds + settings.timeouts.grace_seconds) * 1000,
    ...(extras.env === undefined ? {} : { env: extras.env }),
    ...(extras.signal === undefined ? {} : { signal: extras.signal }),
  };
}
