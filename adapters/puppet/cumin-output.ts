import { expandNodeSet } from './nodeset.js';

export interface CuminOutputGroup {
  hosts: string[];
  /** What the command printed on these hosts; cumin groups hosts whose output is identical. */
  output: string;
}

export interface CuminReport {
  /** From "N hosts will be targeted:"; null when cumin never got that far (or printed something else). */
  targeted: string[] | null;
  /** cumin said "No hosts found that matches the query" (and, oddly, exits 0). */
  noHosts: boolean;
  groups: CuminOutputGroup[];
  /** From the final success-ratio line; null when cumin printed none (e.g. it died first). */
  succeeded: string[] | null;
  failed: string[];
  timedOut: string[];
}

// eslint-disable-next-line no-control-regex -- ANSI colour escapes are exactly what is being removed
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const TARGETED = /^(\d+) hosts? will be targeted:$/;
const FAILED = /^[\d.]+% \((\d+)\/(\d+)\) of nodes (failed|timeout) to execute command '.*': (\S+)$/;
const SUCCESS_ALL = /^[\d.]+% \((\d+)\/(\d+)\) success ratio \((?:>=|<) [\d.]+% threshold\) of nodes successfully executed all commands\.(?: Aborting\.)?(?:: (\S+))?$/;

/**
 * Reads cumin's (ClusterShell transport) report. Layout, from cumin/transports/clustershell.py:
 * stderr gets "N hosts will be targeted:" + the node set, then the per-command and final
 * ratio lines ("100.0% (2/2) success ratio (>= 100.0% threshold) of nodes successfully executed
 * all commands." — the node set follows ": " only when some but not all hosts succeeded) and
 * "x% (n/t) of nodes failed|timeout to execute command '<cmd>': <nodes>". stdout gets the
 * output: with several hosts, "===== NODE GROUP =====", "(n) <nodes>", "----- OUTPUT of
 * '<cmd>' -----", the text, closed by "================" (or "===== NO OUTPUT =====" when no
 * host printed anything); with one host, the header and text without the NODE GROUP lines.
 */
export function parseCuminOutput(stdout: string, stderr: string): CuminReport {
  // tqdm redraws its progress bars with \r on stderr: every \r starts a fresh line there.
  const errLines = stderr.replace(ANSI, '').split(/\r|\n/).map((line) => line.trim());
  const report: CuminReport = { targeted: null, noHosts: false, groups: [], succeeded: null, failed: [], timedOut: [] };
  let total: number | undefined;
  let successLine: { count: number; nodes: string | undefined } | undefined;
  errLines.forEach((line, index) => {
    if (line === 'No hosts found that matches the query') report.noHosts = true;
    const targeted = TARGETED.exec(line);
    const next = errLines[index + 1];
    if (targeted !== null && next !== undefined) {
      report.targeted = expandNodeSet(next);
      total = Number(targeted[1]);
    }
    const failed = FAILED.exec(line);
    if (failed !== null) (failed[3] === 'timeout' ? report.timedOut : report.failed).push(...expandNodeSet(failed[4] ?? ''));
    const success = SUCCESS_ALL.exec(line);
    if (success !== null) successLine = { count: Number(success[1]), nodes: success[3] };
  });
  if (report.targeted !== null && total !== report.targeted.length) report.targeted = null;
  const targeted = report.targeted ?? [];
  if (successLine !== undefined) {
    if (successLine.nodes !== undefined) report.succeeded = expandNodeSet(successLine.nodes);
    else report.succeeded = successLine.count === 0 ? [] : [...targeted];
  }
  report.groups = parseGroups(stdout.replace(ANSI, '').replaceAll('\r', '').split('\n'), targeted);
  return report;
}

function parseGroups(out: string[], targeted: string[]): CuminOutputGroup[] {
  const groups: CuminOutputGroup[] = [];
  let current: { hosts: string[]; text: string[] } | undefined;
  let pendingHosts: string[] | undefined;
  const close = (): void => {
    if (current !== undefined) groups.push({ hosts: current.hosts, output: current.text.join('\n') });
    current = undefined;
  };
  for (const line of out) {
    if (line === '===== NODE GROUP =====') {
      close();
      pendingHosts = [];
      continue;
    }
    if (pendingHosts !== undefined && pendingHosts.length === 0 && current === undefined) {
      const match = /^\((\d+)\) (\S+)$/.exec(line);
      if (match !== null) {
        pendingHosts = expandNodeSet(match[2] ?? '');
        continue;
      }
    }
    if (/^----- OUTPUT( of '.*')? -----$/.test(line)) {
      close();
      // One host: cumin streams its output without a NODE GROUP header.
      const hosts = pendingHosts !== undefined && pendingHosts.length > 0 ? pendingHosts : targeted.length === 1 ? targeted : [];
      current = { hosts, text: [] };
      pendingHosts = undefined;
      continue;
    }
    if (line === '================' || line === '===== NO OUTPUT =====') {
      close();
      pendingHosts = undefined;
      continue;
    }
    current?.text.push(line);
  }
  close();
  return groups.filter((group) => group.hosts.length > 0);
}
