import type { ExpectedPybalState, PybalConfirmation, PybalHostView, PybalServerState } from '../../core/ports/pybal.js';

export interface ConfirmAppliedInput {
  lvsHosts: readonly string[];
  read: (lvsHost: string) => Promise<PybalHostView>;
  fqdn: string;
  expected: ExpectedPybalState;
  timeoutMs: number;
  intervalMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * How conftool's states look in pybal (`pybal/etcd.py`): yes → configured and enabled,
 * no → still configured but disabled, inactive → removed from the pool.
 */
export function showsExpected(observed: PybalServerState | null, expected: ExpectedPybalState): boolean {
  switch (expected.pooled) {
    case 'yes':
      return observed !== null && observed.enabled && (expected.weight === undefined || observed.weight === expected.weight);
    case 'no':
      return observed !== null && !observed.enabled;
    case 'inactive':
      return observed === null;
    default:
      return expected.pooled satisfies never;
  }
}

/**
 * Polls the LVS hosts that have not shown the change yet, at least once, until all have or the
 * time is up. pybal follows etcd with a long poll, so this normally settles within seconds; a
 * host that never does is reported, not hidden, and never blocks the answer past the deadline.
 */
export async function confirmApplied(input: ConfirmAppliedInput): Promise<PybalConfirmation[]> {
  const started = input.now();
  const deadline = started + input.timeoutMs;
  const results = new Map<string, PybalConfirmation>(input.lvsHosts.map((host) => [host, { lvsHost: host, outcome: 'error', elapsedMs: 0 }]));
  let pending = [...input.lvsHosts];
  for (;;) {
    const views = await Promise.all(pending.map((host) => input.read(host)));
    const elapsedMs = input.now() - started;
    for (const view of views) {
      const previous = results.get(view.lvsHost);
      if (!view.ok) {
        // Keep what an earlier round saw: a host that answered "pending" then timed out is still pending, with the error noted.
        results.set(view.lvsHost, { ...previous, lvsHost: view.lvsHost, outcome: previous?.observed === undefined ? 'error' : 'pending', error: { kind: view.error, detail: view.detail }, elapsedMs });
        continue;
      }
      const observed = Object.hasOwn(view.servers, input.fqdn) ? (view.servers[input.fqdn] ?? null) : null;
      results.set(view.lvsHost, { lvsHost: view.lvsHost, outcome: showsExpected(observed, input.expected) ? 'applied' : 'pending', observed, elapsedMs });
    }
    pending = pending.filter((host) => results.get(host)?.outcome !== 'applied');
    const remaining = deadline - input.now();
    if (pending.length === 0 || remaining <= 0) break;
    await input.sleep(Math.min(input.intervalMs, remaining));
  }
  return input.lvsHosts.map((host) => results.get(host) ?? { lvsHost: host, outcome: 'error', elapsedMs: 0 });
}
