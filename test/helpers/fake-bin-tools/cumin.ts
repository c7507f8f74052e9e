/**
 * A stand-in for cumin (ClusterShell transport, sync mode) in cutover's tests. It resolves
 * A:<alias> and host lists from the state file, runs run-puppet-agent / disable-puppet /
 * enable-puppet against each host's puppet state there, and prints cumin's report through
 * lab/stand-ins/cumin-report.ts, the same code the lab's cumin prints with (without colours).
 * The command string goes through a real `sh -c`, as it would on a target host, so quoting
 * mistakes show up here.
 */
import { spawnSync } from 'node:child_process';
import { DRY_RUN, forceLine, expandNodeSet, formatCuminReport, NO_HOSTS, NO_TTY, targetedLines, unknownAlias, type HostResult } from '../../../lab/stand-ins/cumin-report.js';
import { disabledRun, puppetRun } from '../../../lab/stand-ins/puppet-agent.js';
import type { FakeState } from '../fake-bin.js';
import { exit, faultFor, hang, readState, record, writeState } from './common.js';

const args = process.argv.slice(2);
record({ tool: 'cumin', argv: args });
main();

function main(): void {
  const fault = faultFor('cumin');
  if (fault?.mode === 'hang') return hang('', fault.stderr ?? '2 hosts will be targeted:\nmaps[1005-1006].eqiad.wmnet\nFORCE mode enabled, continuing without confirmation\n');
  if (fault?.mode === 'garbage') exit(fault.stdout ?? '\u0000\u00ffSegmentation fault? {{{\n', fault.stderr ?? 'Traceback (most recent call last):\n  File "/usr/bin/cumin", line 33\n', fault.exitCode ?? 0);
  if (fault?.mode === 'fail') {
    exit('', fault.stderr ?? 'Caught HTTPError exception: 503 Server Error: Service Unavailable for url: https://puppetdb1003.eqiad.wmnet/pdb/query/v4/nodes\n', fault.exitCode ?? 99);
  }

  let batchSize: number | undefined;
  let force = false;
  let dryRun = false;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '-b' || arg === '--batch-size') batchSize = Number(args[++i]);
    else if (['-s', '--batch-sleep', '-t', '--timeout', '-p'].includes(arg)) i += 1;
    else if (arg === '--force') force = true;
    else if (arg === '--dry-run') dryRun = true;
    else positional.push(arg);
  }
  const [query = '', command = ''] = positional;
  const state = readState();
  const cumin = state.cumin ?? { aliases: {}, hosts: {} };

  let targets: string[];
  if (query.startsWith('A:')) {
    const alias = cumin.aliases[query.slice(2)];
    if (alias === undefined) exit('', unknownAlias(query.slice(2), false), 99);
    targets = alias;
  } else {
    targets = expandNodeSet(query).filter((host) => Object.hasOwn(cumin.hosts, host));
  }
  if (targets.length === 0) exit('', `${NO_HOSTS}\n`, 0);
  process.stderr.write(targetedLines(targets, false));
  if (dryRun) exit('', `${DRY_RUN}\n`, 0);
  if (!force) exit('', `${NO_TTY}\nCaught RuntimeError exception: ${NO_TTY}\n`, 99);
  process.stderr.write(forceLine(false));

  // What the target host's shell makes of the command string.
  const words = shellWords(command);
  // Sync mode with the default 100% threshold: batches run until a host fails, later hosts never start.
  const results: HostResult[] = [];
  const size = batchSize ?? targets.length;
  for (let start = 0; start < targets.length; start += size) {
    for (const host of targets.slice(start, start + size)) results.push({ host, ...runOn(cumin, host, words) });
    if (results.some((result) => result.status !== 'success')) break;
  }
  writeState(state);
  const report = formatCuminReport({ command, targets, results, color: false });
  exit(report.stdout, report.stderr, report.exitCode);
}

function runOn(cumin: FakeState['cumin'], host: string, words: string[]): Omit<HostResult, 'host'> {
  const target = cumin.hosts[host];
  if (target === undefined) return { status: 'failed', output: `ssh: Could not resolve hostname ${host}` };
  const [program, ...rest] = words;
  if (program === 'disable-puppet') {
    target.disabled ??= rest[0] ?? 'Disabled by disable-puppet';
    return { status: 'success', output: '' };
  }
  if (program === 'enable-puppet') {
    if ((target.disabled ?? null) === null) return { status: 'success', output: '' };
    if (rest[0] !== '--force' && rest[0] !== target.disabled) return { status: 'failed', output: '' };
    target.disabled = null;
    return { status: 'success', output: '' };
  }
  if (program === 'run-puppet-agent') {
    if (rest[0] === '--enable' && target.disabled === rest[1]) target.disabled = null;
    if (target.disabled !== null && target.disabled !== undefined) return disabledRun(target.disabled);
    return puppetRun(host, target.puppet);
  }
  return { status: 'failed', output: `bash: line 1: ${program ?? ''}: command not found` };
}

function shellWords(text: string): string[] {
  const result = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${text}`], { encoding: 'utf8', env: process.env });
  return result.stdout.split('\0').slice(0, -1);
}
