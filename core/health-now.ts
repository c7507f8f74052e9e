import type { Reading } from './plan/analysis.js';

/**
 * Health in a DC as an approver must see it before deciding: k8s's share of the traffic and the
 * numbers beside bare metal, or why there are none. An outage is said, never hidden.
 */
export type HealthNow = { kind: 'ok'; share: Reading; summary: string } | { kind: 'unavailable'; reason: string } | { kind: 'not-configured' };

/**
 * k8s's share of the traffic, as every place that shows it words it: `15% on k8s`, `15% of
 * traffic on k8s`. `words` follows the number.
 */
export function describeShare(share: Reading, words: string): string {
  return share.kind === 'value' ? `${Math.round(share.value * 100)}% ${words}` : 'k8s share: no data';
}

/** `health now: 15% on k8s · 5xx … · p99 …`, as a depool's and a step's approver read it. */
export function healthNowWords(health: HealthNow): string {
  switch (health.kind) {
    case 'ok':
      return `health now: ${describeShare(health.share, 'on k8s')} · ${health.summary}`;
    case 'unavailable':
      return `health now: unavailable (${health.reason})`;
    case 'not-configured':
      return 'health now: no metrics configured';
    default:
      return health satisfies never;
  }
}
