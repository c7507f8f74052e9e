import { pushTo } from './push-to.js';

/**
 * Folds host names into ClusterShell/cumin node sets, `maps[1005-1008,1010]`, so a pool of a
 * hundred workers fits on one chat line in the notation SREs already type into cumin.
 */
export function foldHosts(names: readonly string[]): string {
  const byPrefix = new Map<string, { digits: number; numbers: number[] }>();
  const loose: string[] = [];
  for (const name of names) {
    const match = /^(.*?)(\d+)$/.exec(name);
    if (match === null) {
      loose.push(name);
      continue;
    }
    const [, prefix = '', digits = ''] = match;
    const key = `${prefix}\u0000${digits.length}`;
    const entry = byPrefix.get(key) ?? { digits: digits.length, numbers: [] };
    entry.numbers.push(Number(digits));
    byPrefix.set(key, entry);
  }
  const folded = [...byPrefix.entries()].map(([key, { digits, numbers }]) => {
    const prefix = key.split('\u0000')[0] ?? '';
    const pad = (n: number): string => String(n).padStart(digits, '0');
    const sorted = [...new Set(numbers)].sort((a, b) => a - b);
    if (sorted.length === 1) return `${prefix}${pad(sorted[0] ?? 0)}`;
    const ranges: string[] = [];
    let start = sorted[0] ?? 0;
    let previous = start;
    for (const n of [...sorted.slice(1), Number.NaN]) {
      if (n === previous + 1) {
        previous = n;
        continue;
      }
      ranges.push(start === previous ? pad(start) : `${pad(start)}-${pad(previous)}`);
      start = n;
      previous = n;
    }
    return `${prefix}[${ranges.join(',')}]`;
  });
  return [...folded, ...loose].join(' ');
}

/** foldHosts for fully qualified names: `wikikube-worker[1001-1050].eqiad.wmnet`, one node set per stem and domain. */
export function foldFqdns(fqdns: readonly string[]): string {
  const byDomain = new Map<string, string[]>();
  for (const fqdn of fqdns) {
    const dot = fqdn.indexOf('.');
    const [short, domain] = dot === -1 ? [fqdn, ''] : [fqdn.slice(0, dot), fqdn.slice(dot)];
    pushTo(byDomain, domain, short);
  }
  return [...byDomain.entries()].flatMap(([domain, shorts]) => foldHosts(shorts).split(' ').map((set) => `${set}${domain}`)).join(' ');
}
