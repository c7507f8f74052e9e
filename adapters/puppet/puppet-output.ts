import { printable } from '../../core/printable.js';

export interface PuppetRunVerdict {
  status: 'changed' | 'no-change' | 'failed';
  /** Distinct resources puppet reported a change or refresh for. */
  changedResources: number;
  /** One line for the channel: what failed, or how much changed and how long it took. */
  detail: string;
}

const APPLIED = /^Notice: Applied catalog in ([\d.]+) seconds$/m;
/** `Notice: /Stage[main]/Profile::Maps::Tlsproxy/File[/etc/nginx/x]/content: content changed ...` */
const RESOURCE_NOTICE = /^Notice: (\/Stage\[[^\n]*?\])(?:\/[a-z_]+)?: /gm;

/**
 * Decides changed / no change / failed from what `run-puppet-agent` printed on one host.
 *
 * Exit codes cannot tell "changed" from "no change": run-puppet-agent runs `puppet agent
 * --onetime` without `--detailed-exitcodes`, so both exit 0, and a run whose resources failed
 * also exits 0. What does tell them apart is the log, since every resource puppet changes is
 * logged at notice level (even with -q) as `Notice: /Stage[main]/…: …`. So:
 *  - failed: cumin reported the host failed or timed out, or the output has an `Error:` line
 *    (catalog or resource failure), says puppet is administratively disabled, or says a
 *    preceding run never finished; or it lacks "Notice: Applied catalog in N seconds";
 *  - changed: at least one resource notice;
 *  - no change: the catalog was applied and no resource was touched.
 */
export function classifyPuppetRun(output: string, exitedOk: boolean): PuppetRunVerdict {
  const disabled = /administratively disabled \(Reason: '(.*)'\)/.exec(output);
  if (disabled !== null) return failed(`puppet is disabled: ${disabled[1] ?? ''}`);
  const ongoing = /^.*preceding puppet run is still ongoing.*$/m.exec(output);
  if (ongoing !== null) return failed(ongoing[0]);
  const error = /^Error: (.+)$/m.exec(output);
  if (error !== null) return failed(error[1] ?? 'error');
  if (!exitedOk) return failed(lastLine(output) ?? 'run-puppet-agent failed without output');
  const applied = APPLIED.exec(output);
  if (applied === null) return failed('no "Applied catalog" line: the agent did not complete a run');
  const resources = new Set([...output.matchAll(RESOURCE_NOTICE)].map((match) => match[1]));
  const seconds = applied[1] ?? '?';
  if (resources.size === 0) return { status: 'no-change', changedResources: 0, detail: `no changes (catalog applied in ${seconds} s)` };
  const count = resources.size;
  return { status: 'changed', changedResources: count, detail: `${count} resource${count === 1 ? '' : 's'} changed (catalog applied in ${seconds} s)` };
}

function failed(detail: string): PuppetRunVerdict {
  return { status: 'failed', changedResources: 0, detail: printable(detail, 160) };
}

function lastLine(output: string): string | undefined {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
}
