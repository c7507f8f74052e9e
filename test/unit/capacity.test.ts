import { describe, expect, it } from 'vitest';
import { capacityAfter, reducesCapacity } from '../../core/capacity.js';
import type { PoolState } from '../../core/pool-state.js';

const yes: PoolState = { pooled: 'yes', weight: 10 };
const no: PoolState = { pooled: 'no', weight: 10 };
const inactive: PoolState = { pooled: 'inactive', weight: 0 };

const maps = (n: number) => Array.from({ length: n }, (_, i) => `maps${1005 + i}.eqiad.wmnet`);
const workers = (n: number) => Array.from({ length: n }, (_, i) => `wikikube-worker${1001 + i}.eqiad.wmnet`);

/** The pool of wikimedia-ops.md §3: 6 maps and 4 workers behind kartotherian-k8s-ssl. */
function pool(mapsState: PoolState): Map<string, PoolState | undefined> {
  const members = new Map<string, PoolState | undefined>();
  maps(6).forEach((fqdn, index) => members.set(fqdn, index < 3 ? mapsState : yes));
  for (const fqdn of workers(4)) members.set(fqdn, yes);
  return members;
}

/** Depools `victims` one after the other, as long as the guard allows; returns the ones it allowed. */
function depoolInTurn(members: Map<string, PoolState | undefined>, victims: string[], threshold: number): string[] {
  const allowed: string[] = [];
  for (const fqdn of victims) {
    if (!capacityAfter(members, fqdn, no, threshold).ok) break;
    members.set(fqdn, no);
    allowed.push(fqdn);
  }
  return allowed;
}

describe('capacityAfter: the pybal worked example (wikimedia-ops.md §3, threshold 0.5)', () => {
  it('with 3 of 6 maps set to no, 10 servers count and the floor is 5: 2 workers may go', () => {
    const members = pool(no);
    expect(capacityAfter(members, workers(4)[0] ?? '', no, 0.5)).toEqual({ ok: true, pooledAfter: 6, totalAfter: 10, floor: 5 });
    members.set(workers(4)[0] ?? '', no);
    expect(capacityAfter(members, workers(4)[1] ?? '', no, 0.5)).toEqual({ ok: true, pooledAfter: 5, totalAfter: 10, floor: 5 });
    members.set(workers(4)[1] ?? '', no);
    expect(capacityAfter(members, workers(4)[2] ?? '', no, 0.5)).toEqual({ ok: false, pooledAfter: 4, totalAfter: 10, floor: 5 });
  });

  it('with those maps inactive instead, total is 7, the floor 3.5 → 4, and 3 of the 4 workers may go', () => {
    const members = pool(inactive);
    expect(capacityAfter(members, workers(4)[0] ?? '', no, 0.5)).toMatchObject({ totalAfter: 7, floor: 4 });
    expect(depoolInTurn(members, workers(4), 0.5)).toEqual(workers(3));
  });

  it('a group of k hosts can all go only when up_enabled − k ≥ total × threshold', () => {
    // 7 up and enabled, total 10: 7 − 2 ≥ 5 but 7 − 3 < 5.
    expect(depoolInTurn(pool(no), workers(4), 0.5)).toHaveLength(2);
  });
});

describe('capacityAfter', () => {
  it('allows depooling down to exactly the floor and not one further (6 maps, threshold 0.5)', () => {
    const members = new Map<string, PoolState | undefined>(maps(6).map((fqdn) => [fqdn, yes]));
    expect(depoolInTurn(members, maps(6), 0.5)).toEqual(maps(3));
  });

  it('never lets a pool become empty, even with threshold 0', () => {
    const members = new Map<string, PoolState | undefined>([['maps1005.eqiad.wmnet', yes]]);
    expect(capacityAfter(members, 'maps1005.eqiad.wmnet', no, 0)).toEqual({ ok: false, pooledAfter: 0, totalAfter: 1, floor: 1 });
    const two = new Map<string, PoolState | undefined>(maps(2).map((fqdn) => [fqdn, yes]));
    expect(depoolInTurn(two, maps(2), 0)).toEqual(maps(1));
  });

  it('with threshold 1, refuses any depool of a fully pooled pool', () => {
    const members = new Map<string, PoolState | undefined>(maps(6).map((fqdn) => [fqdn, yes]));
    expect(capacityAfter(members, 'maps1005.eqiad.wmnet', no, 1)).toMatchObject({ ok: false, pooledAfter: 5, floor: 6 });
  });

  it('does not count inactive or absent members, and counts pooled=no ones', () => {
    const members = new Map<string, PoolState | undefined>([
      ['maps1005.eqiad.wmnet', yes],
      ['maps1006.eqiad.wmnet', yes],
      ['maps1007.eqiad.wmnet', no],
      ['maps1008.eqiad.wmnet', inactive],
      ['maps1009.eqiad.wmnet', undefined],
    ]);
    expect(capacityAfter(members, 'maps1005.eqiad.wmnet', no, 0.5)).toEqual({ ok: false, pooledAfter: 1, totalAfter: 3, floor: 2 });
  });

  it('counts setting a member inactive as taking it out of the total', () => {
    const members = new Map<string, PoolState | undefined>(maps(4).map((fqdn) => [fqdn, yes]));
    expect(capacityAfter(members, 'maps1005.eqiad.wmnet', inactive, 0.5)).toEqual({ ok: true, pooledAfter: 3, totalAfter: 3, floor: 2 });
  });

  it('counts the host being changed even when the listing did not include it', () => {
    const members = new Map<string, PoolState | undefined>(maps(2).map((fqdn) => [fqdn, yes]));
    expect(capacityAfter(members, 'maps1010.eqiad.wmnet', yes, 0.5)).toMatchObject({ pooledAfter: 3, totalAfter: 3 });
  });

  it('does not change the map it is given', () => {
    const members = new Map<string, PoolState | undefined>(maps(2).map((fqdn) => [fqdn, yes]));
    capacityAfter(members, 'maps1005.eqiad.wmnet', no, 0.5);
    expect(members.get('maps1005.eqiad.wmnet')).toEqual(yes);
  });
});

describe('reducesCapacity', () => {
  it.each<[PoolState | undefined, PoolState, boolean]>([
    [yes, no, true],
    [yes, inactive, true],
    [yes, { pooled: 'yes', weight: 1 }, false],
    [no, no, false],
    [no, yes, false],
    [inactive, no, false],
    [undefined, no, false],
  ])('%j → %j: %s', (before, next, expected) => {
    expect(reducesCapacity(before, next)).toBe(expected);
  });
});
