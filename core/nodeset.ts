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
