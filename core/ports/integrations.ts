/**
 * What one call to an outside service came to, as far as reachability goes: `unreachable` when
 * nothing answered (refused, reset, timed out), otherwise an answer that was an error (HTTP 502).
 */
export type Reachability = { ok: true } | { ok: false; error: string; unreachable: boolean };

/** One configured integration (Alertmanager, Phabricator, Grafana, the cookbook locks' etcd) as status shows it. */
export interface IntegrationStatus {
  name: string;
  /** `unknown` until it has been used or probed once. */
  state: 'ok' | 'unreachable' | 'failing' | 'unknown';
  /** Epoch milliseconds of the first failure in a row, while it is not ok. */
  since?: number | undefined;
  /** The last failure's reason, while it is not ok. */
  error?: string | undefined;
  /** An outbox's messages waiting for it, what they are (`comments`), and the last delivery error. */
  backlog?: { waiting: number; what: string; lastError?: string | undefined } | undefined;
}

/** The integrations this process is configured with; none when nothing is configured (the console demo). */
export interface IntegrationsView {
  /** Each integration, probing one not heard from lately (at most once per its probe interval, however often asked). */
  statuses(): Promise<IntegrationStatus[]>;
}
