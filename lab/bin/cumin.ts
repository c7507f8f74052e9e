/**
 * The lab's cumin: `cumin [-b N] [-s S] [-t T] [-p P] [--force|--dry-run] <query> <command>`.
 * Queries: A:<alias> (from the lab's topology file, lab/stand-ins/topology-file.ts), D{…}/P{…}
 * or a bare node set (maps100[5-6].eqiad.wmnet, host1,host2) of hosts the lab has. Commands the
 * bot sends: `run-puppet-agent [--enable <reason>]` (POST /puppet/run per host, in batches),
 * `disable-puppet <reason>`, `enable-puppet <reason>` (a per-host flag the lab's puppet keeps
 * beside the topology file). Prints cumin 4.2.0's report, colours included, exactly as
 * ../shared/reference/cumin-transcripts.md captured it (lab/stand-ins/cumin-report.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { puppetRunResponse } from '../control-api.js';
import { DRY_RUN, expandNodeSet, forceLine, formatCuminReport, NO_HOSTS, NO_TTY, painter, targetedLines, unknownAlias, type HostResult } from '../stand-ins/cumin-report.js';
import { LabError, labRequest, LabTimeout, LabUnreachable, runStandIn } from '../stand-ins/lab-client.js';
import { appliedRun, disabledRun } from '../stand-ins/puppet-agent.js';
import { shellWords } from '../stand-ins/shell-words.js';
import { labAliases, readTopologyFile, TOPOLOGY_FILE_ENV } from '../stand-ins/topology-file.js';

const COLOR = true;
/** cumin's own exit code for an exception it caught (bad query, no TTY, the lab gone). */
const CAUGHT = 99;

interface Options {
  batchSize: number | undefined;
  sleepSeconds: number;
  timeoutSeconds: number | undefined;
  force: boolean;
  dryRun: boolean;
  query: string;
  command: string;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = { batchSize: undefined, sleepSeconds: 0, timeoutSeconds: undefined, force: false, dryRun: false, query: '', command: '' };
  const positional: string[] = [];
  const number = (flag: string, value: string | undefined): number => {
    const parsed = Number(value);
    if (value === undefined || !Number.isFinite(parsed) || parsed < 0) throw new LabError(`argument ${flag}: invalid value: ${value ?? '(missing)'}`);
    return parsed;
  };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '-b' || arg === '--batch-size') options.batchSize = Math.max(1, number(arg, args[++i]));
    else if (arg === '-s' || arg === '--batch-sleep') options.sleepSeconds = number(arg, args[++i]);
    else if (arg === '-t' || arg === '--timeout') options.timeoutSeconds = number(arg, args[++i]);
    else if (arg === '-p' || arg === '--success-percentage') number(arg, args[++i]);
    else if (arg === '--force') options.force = true;
    else if (arg === '--dry-run') options.dryRun = true;
    else if (arg.startsWith('-') && positional.length < 2) throw new LabError(`unrecognized arguments: ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 2) throw new LabError('usage: cumin [-b N] [-s S] [-t T] [--force|--dry-run] QUERY COMMAND (the lab\'s cumin runs exactly one command)');
  [options.query = '', options.command = ''] = positional;
  return options;
}

/** The query's hosts, in the order cumin would list them; null for an unknown alias. */
function resolveQuery(query: string, aliases: Record<string, string[]>, known: ReadonlySet<string>): string[] | null {
  if (query.startsWith('A:')) return Object.hasOwn(aliases, query.slice(2)) ? [...(aliases[query.slice(2)] ?? [])] : null;
  const inner = /^[DP]\{(.+)\}$/.exec(query)?.[1] ?? query;
  return expandNodeSet(inner).filter((host) => known.has(host));
}

type Disabled = Record<string, string>;

async function runOn(host: string, words: readonly string[], disabled: Disabled, timeoutMs: number | undefined): Promise<HostResult> {
  const [program, ...rest] = words;
  if (program === 'disable-puppet') {
    disabled[host] ??= rest[0] ?? 'Disabled by disable-puppet';
    return { host, status: 'success', output: '' };
  }
  if (program === 'enable-puppet') {
    if (disabled[host] === undefined) return { host, status: 'success', output: '' };
    if (rest[0] !== '--force' && rest[0] !== disabled[host]) return { host, status: 'failed', output: '' };
    delete disabled[host];
    return { host, status: 'success', output: '' };
  }
  if (program === 'run-puppet-agent') {
    if (rest[0] === '--enable' && disabled[host] === rest[1]) delete disabled[host];
    const reason = disabled[host];
    if (reason !== undefined) return { host, ...disabledRun(reason) };
    try {
      const run = await labRequest('/puppet/run', puppetRunResponse, { host }, timeoutMs === undefined ? {} : { timeoutMs });
      return { host, ...appliedRun(host, run.changes) };
    } catch (error) {
      if (error instanceof LabUnreachable) throw error;
      // cumin -t: hosts still running when it fires are reported as timed out.
      if (error instanceof LabTimeout) return { host, status: 'timeout', output: '' };
      return { host, status: 'failed', output: `Error: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { host, status: 'failed', output: `bash: line 1: ${program ?? ''}: command not found` };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const topology = readTopologyFile();
  const targets = resolveQuery(options.query, labAliases(topology), new Set(topology.hosts.map((host) => host.fqdn)));
  if (targets === null) {
    process.stderr.write(unknownAlias(options.query.slice(2), COLOR));
    return CAUGHT;
  }
  if (targets.length === 0) {
    process.stderr.write(`${painter(COLOR)('yellow', NO_HOSTS)}\n`);
    return 0;
  }
  process.stderr.write(targetedLines(targets, COLOR));
  if (options.dryRun) {
    process.stderr.write(`${painter(COLOR)('yellow', DRY_RUN)}\n`);
    return 0;
  }
  if (!options.force) {
    process.stderr.write(`${painter(COLOR)('yellow', `Caught RuntimeError exception: ${NO_TTY}`)}\n`);
    return CAUGHT;
  }
  process.stderr.write(forceLine(COLOR));

  let words: string[];
  try {
    words = shellWords(options.command);
  } catch (error) {
    words = ['sh:', error instanceof Error ? error.message : String(error)];
  }
  const stateFile = `${process.env[TOPOLOGY_FILE_ENV] ?? ''}.puppet-disabled.json`;
  const disabled = readDisabled(stateFile);
  const deadline = options.timeoutSeconds === undefined ? undefined : Date.now() + options.timeoutSeconds * 1000;
  // Sync mode, 100% threshold: a batch runs its hosts at once; a failure stops later batches.
  const results: HostResult[] = [];
  const size = options.batchSize ?? targets.length;
  for (let start = 0; start < targets.length; start += size) {
    if (start > 0 && options.sleepSeconds > 0) await sleep(options.sleepSeconds * 1000);
    const left = deadline === undefined ? undefined : Math.max(1, deadline - Date.now());
    const batch = targets.slice(start, start + size).map((host) => runOn(host, words, disabled, left).then((result) => (results.push(result), result)));
    await Promise.all(batch);
    if (results.some((result) => result.status !== 'success')) break;
  }
  writeFileSync(stateFile, `${JSON.stringify(disabled)}\n`);
  const report = formatCuminReport({ command: options.command, targets, results, color: COLOR });
  process.stdout.write(report.stdout);
  process.stderr.write(report.stderr);
  return report.exitCode;
}

function readDisabled(file: string): Disabled {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Disabled;
  } catch {
    return {};
  }
}

// cumin prints a caught exception in yellow and exits 99.
runStandIn('cumin', main, CAUGHT);
