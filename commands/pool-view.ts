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
  const hosts = inventory.members(lvsService, dc);
  // One pass over the pool: status reads six pools of up to 500 each, a few times a second in an incident.
  const states = new Map<string, PoolState>();
  const counts: PoolView['counts'] = { yes: 0, no: 0, inactive: 0 };
  for (const entry of entries) {
    states.set(entry.fqdn, entry.state);
    counts[entry.state.pooled] += 1;
  }
  const foreign = new Set(states.keys());
  const members = hosts.map((host) => {
    foreign.delete(host.fqdn);
    return { ...host, state: states.get(host.fqdn) };
  });
  return {
    dc,
    lvsService,
    port: lvs.port,
    members,
    foreign: [...foreign],
    counts,
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
  const expected: string[] = [];
  for (const [fqdn, state] of pool.states) if (state.pooled === 'yes') expected.push(fqdn);
  // One pass per LVS host: a status compares six pools of up to 500 with two LVS hosts each.
  const perHost = views.map((view) => {
    const lvs = view.lvsHost.split('.')[0] ?? view.lvsHost;
    if (!view.ok) return `${lvs} ${view.error}`;
    let enabled = 0;
    let unexpected = 0;
    const down: string[] = [];
    for (const [fqdn, server] of Object.entries(view.servers)) {
      if (!server.enabled) continue;
      enabled += 1;
      if (!server.up) down.push(fqdn.split('.')[0] ?? fqdn);
      if (pool.states.get(fqdn)?.pooled !== 'yes') unexpected += 1;
    }
    const missing = expected.filter((fqdn) => view.servers[fqdn]?.enabled !== true).length;
    const mismatch = missing + unexpected;
    if (mismatch > 0) return `${lvs} ✗ ${mismatch} differ from conftool`;
    return down.length > 0 ? `${lvs} ✗ down: ${down.join(' ')}` : `${lvs} ✓ ${enabled} enabled/up`;
  });
  return { text: `pybal: ${perHost.join(', ')}`, takesTraffic: true };
}
