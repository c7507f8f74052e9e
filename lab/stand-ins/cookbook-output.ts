/**
 * What spicerack's `cookbook` prints (on stderr, its logging StreamHandler) for
 * sre.loadbalancer.restart-pybal. No capture of a real run exists; the lines follow the sources:
 * github:wikimedia/operations-software-spicerack spicerack/_menu.py and _log.py ("START - Cookbook
 * <name> <description>", "END (PASS|FAIL) - Cookbook <name> (exit_code=N) <description>") and
 * github:wikimedia/operations-cookbooks cookbooks/sre/loadbalancer/restart-pybal.py with
 * cookbooks/sre/__init__.py (runtime_description "rolling-restart of pybal on <query>",
 * "Running action: restart_daemons on hosts …", "Checking BGP sessions on …", the results report).
 */
export const RESTART_PYBAL = 'sre.loadbalancer.restart-pybal';
const ACTION = 'restart_daemons';

export function restartDescription(query: string, task?: string): string {
  return `rolling-restart of pybal on ${query}${task === undefined ? '' : ` (${task})`}`;
}

export function startLine(description: string): string {
  return `START - Cookbook ${RESTART_PYBAL} ${description}`;
}

export function endLine(description: string, exitCode: number): string {
  return `END (${exitCode === 0 ? 'PASS' : 'FAIL'}) - Cookbook ${RESTART_PYBAL} (exit_code=${exitCode}) ${description}`;
}

export function batchLines(host: string): { running: string; checking: string } {
  return { running: `Running action: ${ACTION} on hosts ${host}`, checking: `Checking BGP sessions on ${host}` };
}

export function errorLine(error: string): string {
  return `received the following error while performing ${ACTION}: ${error}`;
}

export function tooManyErrors(): string {
  return `Too many errors. Stopping the rolling ${ACTION}.  See report for further details`;
}

/** SREBatchRunnerBase's results report; exit code 0 when every host succeeded, else 1. */
export function reportLines(succeeded: readonly string[], failed: readonly string[], leftovers: readonly string[]): { lines: string[]; exitCode: number } {
  if (failed.length === 0) return { lines: [`All ${ACTION} were successful`], exitCode: 0 };
  const set = (hosts: readonly string[]): string => (hosts.length === 0 ? '' : hosts.join(','));
  const lines = [`${ACTION} were successful for: ${set(succeeded)}`, `${ACTION} failed for: ${set(failed)}`, 'Check the logs for specific failures'];
  if (leftovers.length > 0) lines.push(`No action was performed for ${set(leftovers)}`);
  return { lines, exitCode: 1 };
}
