import type { Pooled } from '../pool-state.js';

/**
 * One server as pybal's instrumentation shows it (`Server.dumpState()` in PyBal): `enabled` is
 * conftool's pooled=yes, `up` is its health checks, `pooled` is whether it is in IPVS now.
 */
export interface PybalServerState {
  pooled: boolean;
  weight: number;
  up: boolean;
  enabled: boolean;
}

/** `GET /pools/<service>_<port>` with `Accept: application/json`: `{fqdn: state}`. */
export type PybalPoolState = Record<string, PybalServerState>;

export type PybalFailure = 'unreachable' | 'timeout' | 'bad-output' | 'http-error';

/** What one LVS host said: the pool, or why there is none. One host down never hides the others. */
export type PybalHostView =
  | { lvsHost: string; url: string; ok: true; servers: PybalPoolState }
  | { lvsHost: string; url: string; ok: false; error: PybalFailure; detail: string };

/** What conftool was told; weight is checked only when given. */
export interface ExpectedPybalState {
  pooled: Pooled;
  weight?: number;
}

export interface PybalConfirmation {
  lvsHost: string;
  /** applied: shows the change. pending: answered, but not (yet) as expected. error: never answered usefully. */
  outcome: 'applied' | 'pending' | 'error';
  /** What the host last showed for the server; null when the server is not in its pool. */
  observed?: PybalServerState | null;
  /** The last failure, when the host never answered usefully. */
  error?: { kind: PybalFailure; detail: string };
  /** How long it took to show the change, or how long it was watched. */
  elapsedMs: number;
}
