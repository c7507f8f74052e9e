import { describe, expect, it } from 'vitest';
import { DryRunPooling } from '../../adapters/conftool/dry-run-pooling.js';
import type { PoolEntry, PoolingBackend } from '../../core/ports/pooling.js';
import type { PoolRef } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';

const POOL: PoolRef = { lvsService: 'kartotherian-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-ssl' };
const DIR = '/conftool/v1/pools/eqiad/maps/kartotherian-ssl';
const M5 = `${DIR}/maps1005.eqiad.wmnet`;
const M6 = `${DIR}/maps1006.eqiad.wmnet`;

/** A store that throws on any write: the dry run must never reach it. */
class ReadOnlyStore implements PoolingBackend {
  readonly kind = 'memory';
  constructor(private readonly entries: Map<string, PoolEntry>) {}
  async get(path: string): Promise<PoolEntry | undefined> {
    const entry = this.entries.get(path);
    return entry === undefined ? undefined : structuredClone(entry);
  }
  async listPool(pool: PoolRef): Promise<PoolEntry[]> {
    const prefix = `/conftool/v1/pools/${pool.dc}/${pool.cluster}/${pool.conftoolService}/`;
    return [...this.entries.values()].filter((entry) => entry.path.startsWith(prefix)).map((entry) => structuredClone(entry));
  }
  async compareAndSet(): Promise<PoolEntry> {
    throw new Error('the dry run wrote to the real store');
  }
}

function store(): ReadOnlyStore {
  const yes: PoolState = { weight: 10, pooled: 'yes' };
  return new ReadOnlyStore(
    new Map([
      [M5, { path: M5, fqdn: 'maps1005.eqiad.wmnet', state: yes, revision: '11' }],
      [M6, { path: M6, fqdn: 'maps1006.eqiad.wmnet', state: yes, revision: '12' }],
    ]),
  );
}

describe('DryRunPooling', () => {
  it('records planned writes, overlays them on reads, and never writes', async () => {
    const dry = new DryRunPooling(store());
    expect(dry.kind).toBe('dry-run:memory');
    const first = await dry.compareAndSet(M5, { weight: 10, pooled: 'no' }, '11');
    expect(first).toEqual({ path: M5, fqdn: 'maps1005.eqiad.wmnet', state: { weight: 10, pooled: 'no' }, revision: 'dry-run-1' });
    // A second step of the same plan builds on the first.
    await dry.compareAndSet(M5, { weight: 0, pooled: 'inactive' }, 'dry-run-1');
    await dry.compareAndSet(`${DIR}/maps1009.eqiad.wmnet`, { weight: 0, pooled: 'inactive' }, null);
    expect(dry.plannedWrites).toEqual([
      { path: M5, from: { weight: 10, pooled: 'yes' }, to: { weight: 10, pooled: 'no' }, expectedRevision: '11', command: undefined },
      { path: M5, from: { weight: 10, pooled: 'no' }, to: { weight: 0, pooled: 'inactive' }, expectedRevision: 'dry-run-1', command: undefined },
      { path: `${DIR}/maps1009.eqiad.wmnet`, from: undefined, to: { weight: 0, pooled: 'inactive' }, expectedRevision: null, command: undefined },
    ]);
    expect((await dry.listPool(POOL)).map((entry) => [entry.fqdn, entry.state.pooled])).toEqual([
      ['maps1005.eqiad.wmnet', 'inactive'],
      ['maps1006.eqiad.wmnet', 'yes'],
      ['maps1009.eqiad.wmnet', 'inactive'],
    ]);
  });

  it('fails a stale compare-and-set the way the real store would, and plans nothing for it', async () => {
    const dry = new DryRunPooling(store());
    await expect(dry.compareAndSet(M5, { weight: 10, pooled: 'no' }, '10')).rejects.toMatchObject({ code: 'pooling.conflict' });
    await expect(dry.compareAndSet(M6, { weight: 10, pooled: 'no' }, null)).rejects.toMatchObject({ code: 'pooling.conflict' });
    await expect(dry.compareAndSet(`${DIR}/maps1099.eqiad.wmnet`, { weight: 10, pooled: 'no' }, '3')).rejects.toMatchObject({ code: 'pooling.conflict' });
    expect(dry.plannedWrites).toEqual([]);
  });

  it('hands out copies: changing a returned entry changes neither the plan nor later reads', async () => {
    const dry = new DryRunPooling(store());
    const entry = await dry.compareAndSet(M5, { weight: 10, pooled: 'no' }, '11');
    entry.state.pooled = 'yes';
    expect((await dry.get(M5))?.state.pooled).toBe('no');
    expect(dry.plannedWrites[0]?.to.pooled).toBe('no');
  });

  it('keeps what it is asked to keep on the planned entry, passes it to describeWrite, and hands out copies of it', async () => {
    const seen: unknown[] = [];
    const inner = Object.assign(store(), { describeWrite: (_path: string, _next: PoolState, _revision: string | null, keep?: Readonly<Record<string, unknown>>) => (seen.push(keep), 'PUT') });
    const dry = new DryRunPooling(inner);
    const keep = { reason: 'T1', since: { by: 'someone' } };
    const entry = await dry.compareAndSet(M5, { weight: 10, pooled: 'no' }, '11', keep);
    expect(seen).toEqual([keep]);
    expect(entry.extra).toEqual(keep);
    (entry.extra as { since: { by: string } }).since.by = 'changed';
    expect((await dry.get(M5))?.extra).toEqual({ reason: 'T1', since: { by: 'someone' } });
    expect((await dry.listPool(POOL)).find((listed) => listed.path === M5)?.extra).toEqual({ reason: 'T1', since: { by: 'someone' } });
    // Nothing to keep: no extra property at all, as the real backends return.
    expect(Object.hasOwn(await dry.compareAndSet(M6, { weight: 10, pooled: 'no' }, '12'), 'extra')).toBe(false);
    expect(Object.hasOwn(await dry.compareAndSet(M6, { weight: 10, pooled: 'yes' }, 'dry-run-2', {}), 'extra')).toBe(false);
  });
});
