import { describe, expect, it } from 'vitest';
import { summarize } from '../../bench/stats.js';
import { formatTable } from '../../bench/table.js';

describe('bench statistics', () => {
  it('takes the middle value, or the mean of the two middle ones, whatever the input order', () => {
    expect(summarize([5, 1, 3]).median).toBe(3);
    expect(summarize([4, 1, 3, 2]).median).toBe(2.5);
    expect(summarize([7]).median).toBe(7);
  });

  it('uses the nearest rank for p99: the worst sample under 100 samples, the 99th of 100', () => {
    expect(summarize([1, 2, 3, 40]).p99).toBe(40);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(hundred)).toEqual({ median: 50.5, p99: 99, runs: 100 });
  });

  it('refuses an empty sample set rather than reporting zeros', () => {
    expect(() => summarize([])).toThrow(/at least one sample/);
  });

  it('prints one aligned table: numbers right-aligned under their headers', () => {
    const table = formatTable([
      { row: 'a', median: 1.234, p99: 120, runs: 3, unit: 'ms', notes: 'x' },
      { row: 'longer row', median: 12.5, p99: 7, runs: 30, unit: '×', notes: 'y' },
    ]).split('\n');
    expect(table[0]).toBe('row         median  p99  runs  unit / notes');
    expect(table[2]).toBe('a             1.23  120     3  ms · x');
    expect(table[3]).toBe('longer row    12.5    7    30  × · y');
  });
});
