import { CutoverError } from '../../core/errors.js';
import { printable } from '../../core/printable.js';
import type { CommandResult, CommandRunner, CommandSpec } from '../command-runner.js';
import { cuminSpec } from './cumin-command.js';
import { parseCuminOutput, type CuminReport } from './cumin-output.js';
import { InMemoryDisableLedger, type DisableLedger } from './disable-ledger.js';
import { classifyPuppetRun } from './puppet-output.js';
import {
  puppetRunReportSchema,
  puppetToggleReportSchema,
  type PuppetHostResult,
  type PuppetOutcome,
  type PuppetRunner,
  type PuppetToggleReport,
  type TogglePuppetRequest,
} from './puppet-runner.js';
import { quoteForTargetShell, taskIdSchema, validateReason } from './reason.js';
import { parseSelector, type CuminSelector } from './selector.js';
import type { PuppetSettings } from './settings.js';

export interface CuminPuppetRunnerDeps {
  /** Built from settings.host: runs cumin here or on the cumin host over ssh. */
  runner: CommandRunner;
  settings: PuppetSettings;
  ledger?: DisableLedger;
  /** Extra environment for cumin (or ssh), e.g. SSH_AUTH_SOCK; tests put their fake PATH here. */
  env?: Readonly<Record<string, string>>;
  /** Dry-run mode: return the command lines, run nothing. */
  dryRun?: boolean;
}

/** cumin's own exit codes: 0 all ok, 1 some failed above the threshold, 2 aborted below it. Others mean cumin itself broke. */
const CUMIN_RESULT_CODES = new Set([0, 1, 2]);

export function createCuminPuppetRunner(deps: CuminPuppetRunnerDeps): PuppetRunner {
  const { runner, settings } = deps;
  const ledger = deps.ledger ?? new InMemoryDisableLedger();
  const extras = (signal: AbortSignal | undefined): { env?: Readonly<Record<string, string>>; signal?: AbortSignal } => ({
    ...(deps.env === undefined ? {} : { env: deps.env }),
    ...(signal === undefined ? {} : { signal }),
  });
  const isDryRun = (request: { dryRun?: boolean }): boolean => request.dryRun ?? deps.dryRun ?? false;

  async function checkLedger(selector: CuminSelector, reason: string, action: 'enable' | 'disable'): Promise<void> {
    const keys = [`query:${selector.query}`, ...(selector.kind === 'hosts' ? selector.hosts.map((host) => `host:${host}`) : [])];
    for (const key of keys) {
      const recorded = await ledger.get(key);
      if (recorded === undefined || recorded === reason) continue;
      const where = key.slice(key.indexOf(':') + 1);
      throw new CutoverError(
        'puppet.reason-mismatch',
        action === 'enable'
          ? `Not enabling puppet on ${where}: this bot disabled it with the reason "${printable(recorded, 200)}", and enable-puppet only re-enables with that same reason.`
          : `Not disabling puppet on ${where} again: this bot already disabled it with the reason "${printable(recorded, 200)}". Enable it with that reason first.`,
      );
    }
  }

  async function run(spec: CommandSpec): Promise<{ result: CommandResult; report: CuminReport }> {
    const result = await runner.run(spec);
    if (!CUMIN_RESULT_CODES.has(result.exitCode)) {
      throw new CutoverError('adapter.command-failed', `${result.shown} exited ${result.exitCode}${stderrTail(result)}`);
    }
    const report = parseCuminOutput(result.stdout, result.stderr);
    if (report.noHosts) throw new CutoverError('input.unknown-host', `cumin found no hosts for ${spec.argv.at(-2) ?? 'the query'}.`);
    if (report.targeted === null) {
      throw new CutoverError('adapter.bad-output', `${result.shown} exited ${result.exitCode} without saying which hosts it targeted${stderrTail(result)}`);
    }
    return { result, report };
  }

  async function toggle(request: TogglePuppetRequest, action: 'enable' | 'disable'): Promise<PuppetOutcome<{ report: PuppetToggleReport }>> {
    const selector = parseSelector(request.selector, settings);
    const reason = validateReason(request.reason, settings.max_reason_length);
    await checkLedger(selector, reason, action);
    const spec = cuminSpec(
      settings,
      { query: selector.query, command: `${action}-puppet ${quoteForTargetShell(reason)}`, timeoutSeconds: settings.timeouts.toggle_seconds },
      extras(request.signal),
    );
    const shown = runner.describe(spec);
    if (isDryRun(request)) return { dryRun: true, commands: [shown] };

    const { result, report } = await run(spec);
    const hosts = (report.targeted ?? []).map((host) => {
      const ok = hostSucceeded(report, host, result.exitCode);
      const output = report.groups.find((group) => group.hosts.includes(host))?.output.trim() ?? '';
      const detail = ok
        ? `puppet ${action}d`
        : report.timedOut.includes(host)
          ? `timed out after ${settings.timeouts.toggle_seconds} s`
          : output !== ''
            ? printable(output.split('\n').at(-1) ?? output, 160)
            : action === 'enable'
              ? 'enable-puppet refused: puppet was disabled with another reason (or by someone else)'
              : `disable-puppet failed (a puppet run still going after ${settings.timeouts.toggle_seconds} s?)`;
      return { host, ok, detail };
    });
    for (const host of hosts.filter((entry) => entry.ok)) {
      if (action === 'disable') await ledger.set(`host:${host.host}`, reason);
      else await ledger.delete(`host:${host.host}`);
    }
    const ok = hosts.length > 0 && hosts.every((host) => host.ok);
    if (action === 'disable' && hosts.some((host) => host.ok)) await ledger.set(`query:${selector.query}`, reason);
    if (action === 'enable' && ok) await ledger.delete(`query:${selector.query}`);
    const toggleReport = puppetToggleReportSchema.parse({
      command: result.shown,
      query: selector.query,
      action,
      reason,
      exitCode: result.exitCode,
      hosts,
      ok: ok && result.exitCode === 0,
      durationMs: result.durationMs,
    });
    return { dryRun: false, commands: [shown], report: toggleReport };
  }

  return {
    async runPuppet(request) {
      const selector = parseSelector(request.selector, settings);
      const batchSize = request.batchSize ?? settings.batch.size;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > settings.batch.max_size) {
        throw new CutoverError('input.invalid', `Batch size must be a whole number from 1 to ${settings.batch.max_size}.`);
      }
      const sleep = request.batchSleepSeconds ?? settings.batch.sleep_seconds;
      if (!Number.isFinite(sleep) || sleep < 0 || sleep > 3600) throw new CutoverError('input.invalid', 'Batch sleep must be 0 to 3600 seconds.');
      const reason = validateReason(withTask(request.reason, request.task), settings.max_reason_length);
      if (request.enable === true) await checkLedger(selector, reason, 'enable');
      const command = request.enable === true ? `run-puppet-agent --enable ${quoteForTargetShell(reason)}` : 'run-puppet-agent';
      const spec = cuminSpec(
        settings,
        { query: selector.query, command, batchSize, batchSleepSeconds: sleep, timeoutSeconds: settings.timeouts.run_seconds },
        extras(request.signal),
      );
      const shown = runner.describe(spec);
      if (isDryRun(request)) return { dryRun: true, commands: [shown] };

      const { result, report } = await run(spec);
      const hosts = (report.targeted ?? []).map((host): PuppetHostResult => {
        if (report.timedOut.includes(host)) {
          return { host, status: 'failed', changedResources: 0, detail: `timed out (cumin -t ${settings.timeouts.run_seconds} s)` };
        }
        const group = report.groups.find((candidate) => candidate.hosts.includes(host));
        if (group === undefined && !report.failed.includes(host) && !(report.succeeded?.includes(host) ?? false)) {
          return { host, status: 'not-run', changedResources: 0, detail: 'not run: cumin stopped before this host' };
        }
        return { host, ...classifyPuppetRun(group?.output ?? '', !report.failed.includes(host)) };
      });
      if (request.enable === true) {
        for (const host of hosts.filter((entry) => entry.status === 'changed' || entry.status === 'no-change')) await ledger.delete(`host:${host.host}`);
      }
      const runReport = puppetRunReportSchema.parse({
        command: result.shown,
        query: selector.query,
        reason,
        exitCode: result.exitCode,
        hosts,
        ok: result.exitCode === 0 && hosts.length > 0 && hosts.every((host) => host.status === 'changed' || host.status === 'no-change'),
        durationMs: result.durationMs,
      });
      return { dryRun: false, commands: [shown], report: runReport };
    },

    async disablePuppet(request) {
      return toggle(request, 'disable');
    },

    async enablePuppet(request) {
      return toggle(request, 'enable');
    },
  };
}

function withTask(reason: string, task: string | undefined): string {
  if (task === undefined) return reason;
  const parsed = taskIdSchema.safeParse(task);
  if (!parsed.success) throw new CutoverError('input.invalid', `Not a Phabricator task id: ${printable(task, 20)}.`);
  return reason.includes(parsed.data) ? reason : `${reason} - ${parsed.data}`;
}

function hostSucceeded(report: CuminReport, host: string, exitCode: number): boolean {
  if (report.failed.includes(host) || report.timedOut.includes(host)) return false;
  return report.succeeded?.includes(host) ?? exitCode === 0;
}

function stderrTail(result: CommandResult): string {
  const tail = result.stderr.trim().split('\n').slice(-5).join(' | ');
  return tail === '' ? '.' : `: ${printable(tail, 400)}`;
}
