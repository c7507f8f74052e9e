import { describe, expect, it } from 'vitest';
import { foldHosts } from '../../core/nodeset.js';

describe('foldHosts', () => {
  it('writes a single host as is', () => {
    expect(foldHosts(['maps1005'])).toBe('maps1005');
  });

  it('returns an empty string for no hosts', () => {
    expect(foldHosts([])).toBe('');
  });

  it('folds a run into a range', () => {
    expect(foldHosts(['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010'])).toBe('maps[1005-1010]');
  });

  it('keeps gaps as separate ranges and single numbers', () => {
    expect(foldHosts(['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1010'])).toBe('maps[1005-1008,1010]');
    expect(foldHosts(['maps1005', 'maps1007', 'maps1009'])).toBe('maps[1005,1007,1009]');
  });

  it('sorts numerically and drops duplicates', () => {
    expect(foldHosts(['maps1010', 'maps1005', 'maps1006', 'maps1005'])).toBe('maps[1005-1006,1010]');
  });

  it('keeps zero padding', () => {
    expect(foldHosts(['db001', 'db002', 'db003', 'db010'])).toBe('db[001-003,010]');
    expect(foldHosts(['cp09', 'cp10'])).toBe('cp[09-10]');
  });

  it('does not merge the same number written with different widths', () => {
    expect(foldHosts(['n1', 'n01'])).toBe('n1 n01');
  });

  it('folds each prefix on its own, in the order first seen', () => {
    expect(foldHosts(['wikikube-worker1001', 'maps1005', 'wikikube-worker1002', 'maps1006', 'wikikube-worker1004'])).toBe(
      'wikikube-worker[1001-1002,1004] maps[1005-1006]',
    );
  });

  it('splits on the trailing digits only', () => {
    expect(foldHosts(['ms-be2051', 'ms-be2052', 'ms-fe2009'])).toBe('ms-be[2051-2052] ms-fe2009');
  });

  it('folds FQDNs whose last label is not numeric as they are, after the numbered ones', () => {
    expect(foldHosts(['maps1005.eqiad.wmnet', 'maps1006'])).toBe('maps1006 maps1005.eqiad.wmnet');
  });
});
