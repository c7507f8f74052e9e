/** A step's end in one line: host writes folded into node sets (jobs/plan/fold-done.ts), issue 14. */
import { describe, expect, it } from 'vitest';
import { foldDone } from '../../jobs/plan/fold-done.js';

describe('foldDone', () => {
  it('folds fifty pools into one node set and keeps other phrases in order', () => {
    const done = Array.from({ length: 50 }, (_, i) => `pool wikikube-worker${1001 + i}`);
    expect(foldDone(['helm ok', ...done, 'retire maps1005', 'retire maps1006 (already so)'])).toEqual([
      'helm ok',
      'pool wikikube-worker[1001-1050]',
      'retire maps1005',
      'retire maps1006 (already so)',
    ]);
  });
});
