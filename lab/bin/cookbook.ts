/**
 * The lab's spicerack `cookbook`, for the one cookbook the bot runs (adapters/production/settings.ts):
 *   cookbook [-d|--dry-run] sre.loadbalancer.restart-pybal (--query P{<fqdn>}|--alias <alias>)
 *            --reason <reason> [--task-id T] [restart_daemons]
 * One LVS host at a time (the cookbook's batch_max is 1): POST /pybal/restart, which restarts
 * that host's pybal monitor so it serves the pools puppet gave it. Prints spicerack's START/END
 * lines and the batch runner's report (lab/stand-ins/cookbook-output.ts) on stderr.
 */
import { pybalRestartResponse } from '../control-api.js';
import { batchLines, endLine, errorLine, reportLines, RESTART_PYBAL, restartDescription, startLine, tooManyErrors } from '../stand-ins/cookbook-output.js';
import { expandNodeSet } from '../stand-ins/cumin-report.js';
import { LabError, labRequest, runStandIn } from '../stand-ins/lab-client.js';
import { labAliases, readTopologyFile } from '../stand-ins/topology-file.js';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let dryRun = false;
  let name: string | undefined;
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (name === undefined && (arg === '-d' || arg === '--dry-run')) dryRun = true;
    else if (name === undefined && !arg.startsWith('-')) name = arg;
    else if (['--query', '--alias', '-a', '--reason', '-r', '--task-id', '-t', '--batchsize', '--grace-sleep', '--max-failed', '-m'].includes(arg)) options[arg] = args[++i] ?? '';
    else if (arg !== 'restart_daemons' && arg !== '--ignore-restart-errors') throw new LabError(`${RESTART_PYBAL}: error: unrecognized arguments: ${arg}`);
  }
  if (name !== RESTART_PYBAL) throw new LabError(`Unable to find cookbook ${name ?? '(none)'} (the lab has only ${RESTART_PYBAL})`);
  const reason = options['--reason'] ?? options['-r'];
  if (reason === undefined || reason === '') throw new LabError(`${RESTART_PYBAL}: error: the following arguments are required: --reason`);
  const query = options['--query'];
  const alias = options['--alias'] ?? options['-a'];
  if ((query === undefined) === (alias === undefined)) throw new LabError(`${RESTART_PYBAL}: error: one of the arguments --alias/-a --query is required`);

  const topology = readTopologyFile();
  const lvs = new Set(topology.hosts.filter((host) => host.role === 'lvs').map((host) => host.fqdn));
  const hosts = alias !== undefined ? (labAliases(topology)[alias] ?? []) : expandNodeSet(/^[DP]\{(.+)\}$/.exec(query ?? '')?.[1] ?? query ?? '');
  const task = options['--task-id'] ?? options['-t'];
  const description = restartDescription(query ?? `A:${alias ?? ''}`, task);
  const log = (line: string): void => void process.stderr.write(`${dryRun ? 'DRY-RUN: ' : ''}${line}\n`);
  const notLvs = hosts.filter((host) => !lvs.has(host));
  if (hosts.length === 0 || notLvs.length > 0) throw new LabError(`No hosts found matching ${query ?? alias ?? ''} among the lab's LVS hosts${notLvs.length > 0 ? ` (not LVS: ${notLvs.join(', ')})` : ''}`);

  log(startLine(description));
  const succeeded: string[] = [];
  const failed: string[] = [];
  for (const host of hosts) {
    if (failed.length >= Number(options['--max-failed'] ?? options['-m'] ?? 1)) {
      log(tooManyErrors());
      break;
    }
    const lines = batchLines(host);
    log(lines.running);
    if (dryRun) {
      succeeded.push(host);
      continue;
    }
    try {
      await labRequest('/pybal/restart', pybalRestartResponse, { host });
      log(lines.checking);
      succeeded.push(host);
    } catch (error) {
      failed.push(host);
      log(errorLine(error instanceof Error ? error.message : String(error)));
    }
  }
  const report = reportLines(succeeded, failed, hosts.filter((host) => !succeeded.includes(host) && !failed.includes(host)));
  for (const line of report.lines) log(line);
  log(endLine(description, report.exitCode));
  return report.exitCode;
}

runStandIn('cookbook', main, 1);
