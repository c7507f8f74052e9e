import { foldHosts } from '../../core/nodeset.js';
import { printable } from '../../core/printable.js';
import type { PuppetHostStatus, PuppetRunReport, PuppetToggleReport } from './puppet-runner.js';

const LABELS: Record<PuppetHostStatus, string> = { changed: 'changed', 'no-change': 'no change', failed: 'failed', 'not-run': 'not run' };
const SHOWN_FAILURES = 3;

/** One chat line per run: counts per outcome with the hosts folded, then why the first few failed. */
export function formatPuppetRun(report: PuppetRunReport): string {
  const parts = (['changed', 'no-change', 'failed', 'not-run'] as const).flatMap((status) => {
    const hosts = report.hosts.filter((host) => host.status === status).map((host) => host.host.split('.')[0] ?? host.host);
    return hosts.length === 0 ? [] : [`${hosts.length} ${LABELS[status]} (${foldHosts(hosts)})`];
  });
  const failures = report.hosts
    .filter((host) => host.status === 'failed')
    .slice(0, SHOWN_FAILURES)
    .map((host) => `${host.host.split('.')[0] ?? host.host}: ${printable(host.detail, 120)}`);
  return `puppet on ${printable(report.query, 80)}: ${report.ok ? '✅' : '❌'} ${parts.join(', ')}${failures.length > 0 ? ` — ${failures.join('; ')}` : ''}`;
}

export function formatPuppetToggle(report: PuppetToggleReport): string {
  const ok = report.hosts.filter((host) => host.ok).map((host) => host.host.split('.')[0] ?? host.host);
  const failed = report.hosts.filter((host) => !host.ok);
  const failures = failed.slice(0, SHOWN_FAILURES).map((host) => `${host.host.split('.')[0] ?? host.host}: ${printable(host.detail, 120)}`);
  return `puppet ${report.action}d on ${ok.length}/${report.hosts.length} of ${printable(report.query, 80)}${ok.length > 0 ? ` (${foldHosts(ok)})` : ''}${failures.length > 0 ? ` — failed: ${failures.join('; ')}` : ''}`;
}
