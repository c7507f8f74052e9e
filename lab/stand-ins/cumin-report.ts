/**
 * cumin's report (Debian's cumin 4.2.0, ClusterShell transport, sync mode, default 100% success
 * threshold) as text, from what each host did. Shared by the lab's stand-in cumin (lab/bin) and
 * the test fake (test/helpers/fake-bin-tools), so both print what ../shared/reference/cumin-transcripts.md
 * captured from the real one: stdout gets the NODE GROUP blocks, stderr the targeted hosts, the
 * progress bar and the ratio lines. Real cumin colours everything even without a TTY; `color`
 * says whether to do that too.
 */

export type HostStatus = 'success' | 'failed' | 'timeout';

export interface HostResult {
  host: string;
  status: HostStatus;
  /** What the command printed on the host ('' for nothing). */
  output: string;
}

export interface CuminReportText {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** ANSI colours as cumin.color.Colored prints them. */
const COLOURS = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36 } as const;
type Colour = keyof typeof COLOURS;

export function painter(color: boolean): (colour: Colour, text: string) => string {
  return (colour, text) => (!color || text === '' ? text : `\u001b[${COLOURS[colour]}m${text}\u001b[39m`);
}

/** cumin's Command.shortened(35): the middle of a long command becomes "...". */
export function shortCommand(command: string, maxLength = 35): string {
  if (command.length <= maxLength) return command;
  const half = Math.floor((maxLength - 3) / 2);
  return `${command.slice(0, half)}...${command.slice(-half)}`;
}

/** ClusterShell's node-set folding for names like maps1005.eqiad.wmnet: maps[1005-1006].eqiad.wmnet. */
export function foldNodeSet(hosts: readonly string[]): string {
  const groups = new Map<string, { prefix: string; suffix: string; numbers: string[] }>();
  const loose: string[] = [];
  for (const host of hosts) {
    const match = /^([a-z-]+?)(\d+)(\..*)$/.exec(host);
    if (match === null) {
      loose.push(host);
      continue;
    }
    const [, prefix = '', number = '', suffix = ''] = match;
    const key = `${prefix}\u0000${suffix}`;
    const group = groups.get(key) ?? { prefix, suffix, numbers: [] };
    group.numbers.push(number);
    groups.set(key, group);
  }
  const folded = [...groups.values()].map(({ prefix, suffix, numbers }) => {
    if (numbers.length === 1) return `${prefix}${numbers[0] ?? ''}${suffix}`;
    const sorted = [...numbers].sort((a, b) => Number(a) - Number(b));
    const ranges: string[] = [];
    let start = sorted[0] ?? '';
    let previous = start;
    for (const n of [...sorted.slice(1), undefined]) {
      if (n !== undefined && Number(n) === Number(previous) + 1) {
        previous = n;
        continue;
      }
      ranges.push(start === previous ? start : `${start}-${previous}`);
      start = n ?? '';
      previous = start;
    }
    return `${prefix}[${ranges.join(',')}]${suffix}`;
  });
  return [...folded, ...loose].join(',');
}

/** The inverse, for host-list queries: maps[1005-1006].eqiad.wmnet,cp1075.eqiad.wmnet. */
export function expandNodeSet(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/,(?![^[]*\])/)) {
    const match = /^(.*?)\[([^\]]+)\](.*)$/.exec(part);
    if (match === null) {
      if (part !== '') out.push(part);
      continue;
    }
    const [, prefix = '', ranges = '', suffix = ''] = match;
    for (const range of ranges.split(',')) {
      const [from = '', to = from] = range.split('-');
      for (let n = Number(from); n <= Number(to); n += 1) out.push(`${prefix}${String(n).padStart(from.length, '0')}${suffix}`);
    }
  }
  return out;
}

/** stderr before anything runs: which hosts. */
export function targetedLines(targets: readonly string[], color: boolean): string {
  const paint = painter(color);
  return `${paint('yellow', `${targets.length} hosts will be targeted:`)}\n${paint('yellow', paint('cyan', foldNodeSet(targets)))}\n`;
}

/** stderr next, with --force: no confirmation prompt. */
export function forceLine(color: boolean): string {
  return `${painter(color)('yellow', 'FORCE mode enabled, continuing without confirmation')}\n`;
}

export const NO_HOSTS = 'No hosts found that matches the query';
export const DRY_RUN = 'DRY-RUN mode enabled, aborting';
export const NO_TTY = 'Not in a TTY but neither DRY-RUN nor FORCE mode were specified.';

export function unknownAlias(alias: string, color: boolean): string {
  return `${painter(color)('yellow', `Caught InvalidQueryError exception: Unable to find alias replacement for '${alias}' in the configuration`)}\n`;
}

/**
 * The report once the hosts ran (`results` in the order they finished; hosts that never ran,
 * because an earlier batch failed, are absent). Exit 0 when all succeeded, 2 below the threshold.
 */
export function formatCuminReport(args: { command: string; targets: readonly string[]; results: readonly HostResult[]; color: boolean }): CuminReportText {
  const { targets, results, color } = args;
  const paint = painter(color);
  const short = shortCommand(args.command);
  const stdout: string[] = [];
  if (targets.length === 1) {
    stdout.push(paint('blue', `----- OUTPUT of '${short}' -----`));
    const output = results[0]?.output ?? '';
    if (output !== '') stdout.push(output);
    stdout.push(paint('blue', '================'));
  } else {
    const groups = new Map<string, string[]>();
    for (const result of results.filter((entry) => entry.output !== '')) groups.set(result.output, [...(groups.get(result.output) ?? []), result.host]);
    for (const [output, hosts] of groups) {
      stdout.push(paint('blue', '===== NODE GROUP ====='), paint('cyan', `(${hosts.length}) ${foldNodeSet(hosts)}`), paint('blue', `----- OUTPUT of '${short}' -----`), output);
    }
    stdout.push(paint('blue', groups.size === 0 ? '===== NO OUTPUT =====' : '================'));
  }

  const total = targets.length;
  const pct = (n: number): string => `${((100 * n) / total).toFixed(1)}%`;
  const ok = results.filter((result) => result.status === 'success').map((result) => result.host);
  const bad = results.length - ok.length;
  const bar = (count: number): string => `${'█'.repeat(Math.round((10 * count) / total)).padEnd(10)}| ${String(Math.round((100 * count) / total)).padStart(3)}% (${count}/${total}) [00:00<00:00,  3.54hosts/s]`;
  const stderr: string[] = [`\r${paint('green', `PASS |${bar(ok.length)}`)}`, `\r${paint('red', `FAIL |${bar(bad)}`)}`];
  for (const kind of ['timeout', 'failed'] as const) {
    const hosts = results.filter((result) => result.status === kind).map((result) => result.host);
    if (hosts.length > 0) stderr.push(paint('red', `${pct(hosts.length)} (${hosts.length}/${total}) of nodes ${kind} to execute command '${short}': `) + paint('cyan', foldNodeSet(hosts)));
  }
  const below = ok.length < total;
  const colour = below ? 'red' : 'green';
  const nodes = ok.length === 0 || ok.length === total ? '' : paint('cyan', foldNodeSet(ok));
  const end = `${below ? ' Aborting.' : ''}${nodes === '' ? '' : ': '}`;
  const ratio = `${pct(ok.length)} (${ok.length}/${total}) success ratio (${below ? '<' : '>='} 100.0% threshold)`;
  stderr.push(paint(colour, `${ratio} for command: '${short}'.${end}`) + nodes, paint(colour, `${ratio} of nodes successfully executed all commands.${end}`) + nodes);
  return { stdout: `${stdout.join('\n')}\n`, stderr: `${stderr.join('\n')}\n`, exitCode: below ? 2 : 0 };
}
