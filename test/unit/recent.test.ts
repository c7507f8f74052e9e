import { describe, expect, it } from 'vitest';
import { Recent } from '../../adapters/production/recent.js';

describe('Recent', () => {
  it('loads once per key while fresh, again when old, and forgets a failed load', async () => {
    let now = 0;
    let loads = 0;
    const recent = new Recent<number>(1000, () => now);
    const load = async (): Promise<number> => ++loads;
    expect(await Promise.all([recent.get('a', load), recent.get('a', load)])).toEqual([1, 1]);
    expect(await recent.get('b', load)).toBe(2);
    now = 999;
    expect(await recent.get('a', load)).toBe(1);
    now = 1000;
    expect(await recent.get('a', load)).toBe(3);
    await expect(recent.get('c', async () => Promise.reject(new Error('probe host down')))).rejects.toThrow('probe host down');
    expect(await recent.get('c', load)).toBe(4);
  });
});
