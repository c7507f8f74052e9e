import type { Reachability } from '../core/ports/integrations.js';
import { httpAttempt } from './outbox/http-attempt.js';

/** A probe waits this long at most, whatever the adapter's own timeout: status must not hang on it. */
export const PROBE_TIMEOUT_MS = 2000;

/**
 * Whether an HTTP service answers: any answer below 500 is reachable (a 401 or 404 still says the
 * service is up), a 5xx is a failing service (a proxy without its backend), no answer unreachable.
 */
export async function httpProbe(fetcher: typeof globalThis.fetch, url: string, init: RequestInit, timeoutMs: number): Promise<Reachability> {
  const answer = await httpAttempt(fetcher, url, init, Math.min(timeoutMs, PROBE_TIMEOUT_MS));
  if (!('status' in answer)) return answer.ok ? { ok: true } : { ok: false, error: answer.error, unreachable: true };
  return answer.status < 500 ? { ok: true } : { ok: false, error: `answered HTTP ${answer.status}`, unreachable: false };
}

/** An outbox delivery error as reachability: httpAttempt says `answered HTTP` or names Conduit when something answered. */
export function deliveryReachability(error: string): Reachability {
  return { ok: false, error, unreachable: !/answered|Conduit/.test(error) };
}
