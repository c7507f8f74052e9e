import type { PoolObserver } from '../core/ports/pool-observer.js';
import type { PybalHostView } from '../core/ports/pybal.js';
import type { PoolingBackend } from '../core/ports/pooling.js';
import { poolCapacity, type CapacityVerdict } from '../core/capacity.js';
import type { Host, Inventory } from '../core/inventory.js';
import type { PoolState } from '../core/pool-state.js';
import { withTimeout } from '../core/with-timeout.js';

export interface PoolMember extends Host {
  /** conftool's value; undefined when the host has no object in this pool. */
  state: PoolState | undefined;
}

/** One LVS pool in one DC as conftool has it, beside the inventory: what `status` and the status page show. */
export interface PoolView {
  dc: string;
  lvsService: string;
  port: number;
  members: PoolMember[];
  /** conftool objects in the pool that the inventory does not know. */
  foreign: string[];
  counts: Record<PoolState['pooled'], number>;
  /** pybal's floor; undefined for a pool with no objects at all. */
  capacity: CapacityVerdict | undefined;
  /** Every object's state by fqdn, foreign ones included. */
  states: ReadonlyMap<string, PoolState>;
}

export async function readPoolView(pooling: Pick<PoolingBackend, 'listPool'>, inventory: Inventory, lvsService: string, dc: string): Promise<PoolView> {
  const lvs = inventory.lvsService(lvsService);
  const entries = await pooling.listPool(inventory.pool(lvsService, dc));
  const states = new Map<string, PoolState>(entries.map((entry) => [entry.fqdn, entry.state]));
  const hosts = inventory.members(lvsService, dc);
  const count = (pooled: PoolState['pooled']): number => [...states.values()].filter((state) => state.pooled === pooled).length;
  const memberNames = new Set(hosts.map((host) => host.fqdn));
  return {
    dc,
    lvsService,
    port: lvs.port,
    members: hosts.map((host) => ({ ...host, state: states.get(host.fqdn) })),
    foreign: entries.filter((entry) => !memberNames.has(entry.fqdn)).map((entry) => entry.fqdn),
    counts: { yes: count('yes'), no: count('no'), inactive: count('inactive') },
    capacity: entries.length === 0 ? undefined : poolCapacity(states.values(), lvs.depool_threshold),
    states,
  };
}

/** A pool as conftool has it and as pybal serves it, both asked at once. */
export interface ObservedPool {
  view: PoolView;
  /** Undefined where the service has no observer. */
  pybal: PybalSummary | undefined;
}

export async function readObservedPool(pooling: Pick<PoolingBackend, 'listPool'>, inventory: Inventory, lvsService: string, dc: string, observer: PoolObserver | undefined): Promise<ObservedPool> {
  const { port } = inventory.lvsService(lvsService);
  const [view, reading] = await Promise.all([readPoolView(pooling, inventory, lvsService, dc), observer === undefined ? undefined : readPybal(observer, { dc, lvsService, port })]);
  return { view, pybal: observer === undefined ? undefined : pybalSummary(reading, view) };
}

export const OBSERVER_TIMEOUT_MS = 3000;

export interface PybalSummary {
  text: string;
  /** False only when every LVS host answers that it has no such pool: nothing can reach the pool. */
  takesTraffic: boolean;
}

/** What the LVS hosts' pybal said of one pool, or why it said nothing. */
export type PybalReading = PybalHostView[] | undefined | 'timeout' | 'error';

/**
 * pybal's view of one pool, bounded by a timeout. It needs only the pool's name and port, so a
 * caller asks it while conftool is read (status asks everything at once, not one after another).
 */
export function readPybal(observer: PoolObserver, pool: { dc: string; lvsService: string; port: number }): Promise<PybalReading> {
  return withTimeout(observer.pybal(pool).catch(() => 'error' as const), OBSERVER_TIMEOUT_MS, 'timeout' as const);
}

/** pybal beside conftool: ✓ where every LVS host has exactly the pooled hosts enabled and up. */
export function pybalSummary(views: PybalReading, pool: PoolView): PybalSummary {
  // Unknown is treated as serving, so a warning is never hidden by a pybal that did not answer.
  if (views === 'timeout') return { text: `pybal: no answer in ${OBSERVER_TIMEOUT_MS / 1000}s`, takesTraffic: true };
  if (views === 'error') return { text: 'pybal: unreadable', takesTraffic: true };
  if (views === undefined) return { text: 'pybal: not configured', takesTraffic: true };
  if (views.length > 0 && views.every((view) => !view.ok && view.error === 'http-error')) {
    return { text: `pybal: no ${pool.lvsService} pool on ${views.map((view) => view.lvsHost.split('.')[0]).join(', ')} yet (takes no traffic)`, takesTraffic: false };
  }
  const expected = new Set([...pool.states.entries()].filter(([, state]) => state.pooled === 'yes').map(([fqdn]) => fqdn));
  const perHost = views.map((view) => {
    const lvs = view.lvsHost.split('.')[0] ?? view.lvsHost;
    if (!view.ok) return `${lvs} ${view.error}`;
    const enabled = Object.entries(view.servers).filter(([, server]) => server.enabled);
    const down = enabled.filter(([, server]) => !server.up).map(([fqdn]) => fqdn.split('.')[0] ?? fqdn);
    const enabledNames = new Set(enabled.map(([fqdn]) => fqdn));
    const mismatch = [...expected].filter((fqdn) => !enabledNames.has(fqdn)).length + enabled.filter(([fqdn]) => !expected.has(fqdn)).length;
    if (mismatch > 0) return `${lvs} ✗ ${mismatch} differ from conftool`;
    return down.length > 0 ? `${lvs} ✗ down: ${down.join(' ')}` : `${lvs} ✓ ${enabled.length} enabled/up`;
  });
  return { text: `pybal: ${perHost.join(', ')}`, takesTraffic: true };
}
