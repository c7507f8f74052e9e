import type { AlertMatcher } from '../../core/ports/alerts.js';
import { renderMatcher } from './matchers.js';

/** The service's own probe alerts (`job=~"probes/.*"`): on 2025-02-19 they were the only signal, so no silence may cover them. */
export const PROBE_JOBS = 'probes/.*';

/** The matcher every silence of the bot carries so that probe alerts on the same instance still fire. */
export const SPARE_PROBES: AlertMatcher = { name: 'job', value: PROBE_JOBS, isRegex: true, isEqual: false };

/**
 * Why a silence with these matchers could silence a probe alert, or undefined when it provably
 * cannot: one of its matchers must reject every `probes/…` job. Whether an arbitrary regex
 * rejects them all cannot be decided, so only the two forms that plainly do are accepted:
 * `job!~"probes/.*"` and `job="<a job outside probes/>"`.
 */
export function probeSilenceRisk(matchers: readonly AlertMatcher[]): string | undefined {
  const spares = matchers.some((matcher) => matcher.name === 'job' && ((!matcher.isEqual && matcher.isRegex && matcher.value === PROBE_JOBS) || (matcher.isEqual && !matcher.isRegex && !matcher.value.startsWith('probes/'))));
  if (spares) return undefined;
  return `a silence of {${matchers.map(renderMatcher).join(', ')}} could silence the service's probe alerts (job=~"${PROBE_JOBS}"), which must always fire; it needs ${renderMatcher(SPARE_PROBES)}`;
}
