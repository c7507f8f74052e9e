/**
 * Alertmanager, both ways: a bare-metal host the plan depools is silenced for its own host alerts
 * (never the service's probe alerts), and alerts that fire for the service hold the plan.
 */
export interface Alerts {
  /** Silences the host's alerts until `until`; the silence id, kept in the plan's journal to expire it. */
  silenceHost(fqdn: string, why: SilenceReason): Promise<string>;
  /** Ends a silence early (repool, rollback, emergency stop). A silence already gone is not an error. */
  expire(silenceId: string): Promise<void>;
  /** Active, unsilenced alerts matching any of the selectors (each a list of matchers that must all hold). */
  firing(selectors: readonly AlertSelector[]): Promise<FiringAlert[]>;
}

export interface SilenceReason {
  reason: string;
  /** The Phabricator task, e.g. T378944. */
  task?: string;
  requestId?: string;
  /** Epoch milliseconds: the silence ends by itself then, even if nobody expires it. */
  until: number;
}

/** One Alertmanager matcher: `name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`. */
export interface AlertMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export type AlertSelector = readonly AlertMatcher[];

export interface FiringAlert {
  alertname: string;
  labels: Readonly<Record<string, string>>;
  /** Epoch milliseconds. */
  startsAt: number;
}
