import { foldFqdns } from './nodeset.js';
import type { Pooled, PoolState } from './pool-state.js';

export interface PoolChange {
  fqdn: string;
  lvsService: string;
  from: PoolState;
  to: PoolState;
}

/**
 * One SAL line per kind of change in a wave instead of one per host: fifty `!log` lines would
 * cost a minute of IRC airtime and bury the channel, while `wikikube-worker[1001-1050]` reads
 * at a glance and is what cumin takes.
 */
export function salPoolLines(changes: readonly PoolChange[], dc: string): string[] {
  const groups = new Map<string, { first: PoolChange; fqdns: string[] }>();
  for (const change of changes) {
    const key = [change.lvsService, change.from.pooled, change.to.pooled, change.to.weight].join(' ');
    const group = groups.get(key) ?? { first: change, fqdns: [] };
    group.fqdns.push(change.fqdn);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ first, fqdns }) => poolChangeWords({ fqdns, lvsService: first.lvsService, dc, from: first.from.pooled, to: first.to }));
}

/**
 * `conftool wikikube-worker[1001-1050].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=inactive → yes weight=10`:
 * a wave's writes as its SAL line says them, and as its request says them too, so the approver
 * and the `!log` read the same words.
 */
export function poolChangeWords(change: { fqdns: readonly string[]; lvsService: string; dc: string; from: Pooled; to: PoolState }): string {
  return `conftool ${foldFqdns(change.fqdns)} ${change.lvsService} (${change.dc}): pooled=${change.from} → ${change.to.pooled} weight=${change.to.weight}`;
}
