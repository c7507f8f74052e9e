/** helmfile's command line as the bot's adapter writes it: global flags, then the subcommand and its flags. */
export interface HelmfileArgs {
  /** `-e`/`--environment`, when given. */
  env: string | undefined;
  /** `--context N` of `diff`: lines of context around each change (helm-diff's default 3). */
  context: number;
  subcommand: string | undefined;
  /** Flags without a value (--no-color, --suppress-secrets, --detailed-exitcode). */
  flags: string[];
}

/** Global flags that take a value (-e eqiad); the first bare word is the subcommand. */
const VALUED = new Set(['-e', '--environment', '-f', '--file', '-l', '--selector', '--state-values-set', '--kube-context', '--context']);

export function parseHelmfileArgs(args: readonly string[]): HelmfileArgs {
  const parsed: HelmfileArgs = { env: undefined, context: 3, subcommand: undefined, flags: [] };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (VALUED.has(arg)) {
      const value = args[i + 1] ?? '';
      i += 1;
      if (arg === '-e' || arg === '--environment') parsed.env = value;
      if (arg === '--context') parsed.context = Number(value);
    } else if (arg.startsWith('-')) parsed.flags.push(arg);
    else parsed.subcommand ??= arg;
  }
  return parsed;
}
