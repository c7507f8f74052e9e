import { execa } from 'execa';
import * as z from 'zod';
import { CutoverError, type ErrorCode } from '../core/errors.js';

/** Where a command runs: here, or on an ops host (cumin, deployment) over ssh. */
export const commandHostSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local') }),
  z.strictObject({
    kind: z.literal('ssh'),
    host: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,252}$/, { error: 'a host name' }),
    user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/).optional(),
    /** Extra ssh options as separate argv words, e.g. ["-o", "BatchMode=yes"]. */
    ssh_options: z.array(z.string()).default(['-o', 'BatchMode=yes']),
  }),
]);
export type CommandHost = z.infer<typeof commandHostSchema>;

export interface CommandSpec {
  /** The program and its arguments, never joined into a shell string. */
  argv: readonly [string, ...string[]];
  /** Working directory on the host where it runs. */
  cwd?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Only these variables reach the program: the bot's own environment (tokens) never leaks. */
  env?: Readonly<Record<string, string>>;
  /** Text for stdin, e.g. an answer to a prompt. */
  input?: string;
}

export interface CommandResult {
  /** The command as it ran, for logs and the channel; secrets redacted. */
  shown: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface CommandRunner {
  /** What would run, without running it: dry-run mode shows exactly this. */
  describe(spec: CommandSpec): string;
  run(spec: CommandSpec): Promise<CommandResult>;
}

const SECRET_PATTERNS: readonly RegExp[] = [
  /((?:password|passwd|token|secret|key)[=:]\s*)\S+/gi,
  /(:\/\/[^:/\s]+:)[^@\s]+@/g,
  /\b(xox[abpr]-)[A-Za-z0-9-]+/g,
];

/** Hides what looks like a credential before text reaches a log, an error or the channel. */
export function redactSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((redacted, pattern) => redacted.replace(pattern, '$1***'), text);
}

/** Quotes argv for display only; what runs is always the array. */
export function showArgv(argv: readonly string[]): string {
  return argv.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`)).join(' ');
}

/**
 * Runs programs with execa and an argument array, locally or through ssh. Over ssh the remote
 * side does run a shell, so every word is quoted for it here: nothing typed in chat can become
 * shell syntax on the other end either.
 */
export function createCommandRunner(host: CommandHost, options: { failureCode?: ErrorCode } = {}): CommandRunner {
  const failureCode = options.failureCode ?? 'adapter.command-failed';
  const wrap = (spec: CommandSpec): { file: string; args: string[]; cwd?: string } => {
    if (host.kind === 'local') return { file: spec.argv[0], args: spec.argv.slice(1), ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }) };
    const remote = spec.cwd === undefined ? showArgv(spec.argv) : `cd ${showArgv([spec.cwd])} && ${showArgv(spec.argv)}`;
    const target = host.user === undefined ? host.host : `${host.user}@${host.host}`;
    return { file: 'ssh', args: [...host.ssh_options, target, '--', remote] };
  };
  const describe = (spec: CommandSpec): string => {
    const { file, args, cwd } = wrap(spec);
    return redactSecrets(`${cwd === undefined ? '' : `(cd ${cwd}) `}${showArgv([file, ...args])}`);
  };
  return {
    describe,
    async run(spec) {
      const { file, args, cwd } = wrap(spec);
      const shown = describe(spec);
      const started = Date.now();
      const result = await execa(file, args, {
        ...(cwd === undefined ? {} : { cwd }),
        timeout: spec.timeoutMs,
        ...(spec.signal === undefined ? {} : { cancelSignal: spec.signal }),
        forceKillAfterDelay: 2000,
        reject: false,
        extendEnv: false,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...spec.env },
        stdin: spec.input === undefined ? 'ignore' : 'pipe',
        ...(spec.input === undefined ? {} : { input: spec.input }),
        stripFinalNewline: true,
      });
      const outcome: CommandResult = {
        shown,
        exitCode: result.exitCode ?? -1,
        stdout: typeof result.stdout === 'string' ? result.stdout : '',
        stderr: redactSecrets(typeof result.stderr === 'string' ? result.stderr : ''),
        durationMs: Date.now() - started,
      };
      if (result.isCanceled) throw new CutoverError('adapter.cancelled', `Cancelled: ${shown}`);
      if (result.timedOut) throw new CutoverError('adapter.timeout', `Timed out after ${spec.timeoutMs} ms: ${shown}`);
      if (result.failed && result.exitCode === undefined) {
        throw new CutoverError(failureCode, `Could not run ${shown}: ${redactSecrets(result.shortMessage ?? "unknown error")}`, { cause: result });
      }
      return outcome;
    },
  };
}

/** Turns a non-zero exit into an error that carries the command, its exit code and stderr. */
export function assertSucceeded(result: CommandResult, code: ErrorCode = 'adapter.command-failed'): CommandResult {
  if (result.exitCode === 0) return result;
  const stderr = result.stderr.trim().split('\n').slice(-5).join(' | ');
  throw new CutoverError(code, `${result.shown} exited ${result.exitCode}${stderr === '' ? '' : `: ${stderr}`}`);
}
