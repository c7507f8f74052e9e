import { printable } from './printable.js';
import type { IntegrationStatus } from './ports/integrations.js';

/**
 * status's one line about integrations, only when something is wrong:
 * `⚠ integrations: alertmanager unreachable since 20:41 (ECONNREFUSED); phabricator 3 comments waiting, last error HTTP 502`.
 */
export function integrationsWarning(statuses: readonly IntegrationStatus[]): string | undefined {
  const words = statuses.map(integrationProblem).filter((text): text is string => text !== undefined);
  return words.length === 0 ? undefined : `⚠ integrations: ${words.join('; ')}`;
}

/** What is wrong with one integration, without its name's ok; undefined when nothing is. */
export function integrationProblem(status: IntegrationStatus): string | undefined {
  const parts: string[] = [];
  if (status.state === 'unreachable' || status.state === 'failing') {
    const since = status.since === undefined ? '' : ` since ${clockTime(status.since)}`;
    parts.push(`${status.state}${since}${status.error === undefined ? '' : ` (${shortError(status.error)})`}`);
  }
  const backlog = status.backlog;
  // Messages in flight are normal; waiting behind a failed attempt is not.
  if (backlog !== undefined && backlog.waiting > 0 && backlog.lastError !== undefined) {
    const last = parts.length > 0 ? '' : `, last error ${shortError(backlog.lastError)}`;
    // `what` is plural (`comments`): one waiting is one comment.
    parts.push(`${backlog.waiting} ${backlog.waiting === 1 ? backlog.what.replace(/s$/, '') : backlog.what} waiting${last}`);
  }
  return parts.length === 0 ? undefined : `${status.name} ${parts.join(', ')}`;
}

/** `Grafana answered HTTP 502: <html…>` is `HTTP 502`; anything else, cut short. */
export function shortError(error: string): string {
  const http = /answered HTTP (\d{3})/.exec(error);
  return http === null ? printable(error, 60) : `HTTP ${http[1] ?? ''}`;
}

/** Chat and SAL speak UTC. */
function clockTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 16);
}
