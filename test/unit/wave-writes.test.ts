import { describe, expect, it } from 'vitest';
import type { Host } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';
import { atMost, concurrentRuns } from '../../jobs/plan/wave-writes.js';
import type { Operation } from '../../jobs/plan/step-operations.js';

const POOL = { lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' };
const host = (name: string, kind: Host['kind']): Host => ({ fqdn: `${name}.eqiad.wmnet`, shortName: name, dc: 'eqiad', group: kind === 'k8s-worker' ? 'wikikube' : 'maps', kind });
const HOSTS = [host('w1', 'k8s-worker'), host('w2', 'k8s-worker'), host('w3', 'k8s-worker'), host('m1', 'bare-metal'), host('m2', 'bare-metal')];

function write(name: string, from: PoolState, to: PoolState): Operation {
  const fqdn = `${name}.eqiad.wmnet`;
  return { kind: 'set-pooled', action: { kind: 'set-pooled', verb: to.pooled === 'yes' ? 'pool' : 'depool', service: 'kartotherian', pool: POOL, fqdn, changes: to }, path: `/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/${fqdn}`, from, to };
}

const INACTIVE = { pooled: 'inactive', weight: 0 } as const;
const YES = { pooled: 'yes', weight: 10 } as const;
const NO = { pooled: 'no', weight: 10 } as const;
const names = (runs: Operation[][]): string[][] => runs.map((run) => run.map((op) => (op.kind === 'set-pooled' ? op.action.fqdn.split('.')[0] ?? '' : op.kind)));

describe('concurrentRuns: which writes of a step may be under way together', () => {
  it('groups a wave\'s worker pools; its bare-metal depools, which take traffic away, go one at a time after them', () => {
    const ops = [write('w1', INACTIVE, YES), write('w2', INACTIVE, YES), write('m1', YES, NO), write('m2', YES, NO), write('w3', YES, { pooled: 'yes', weight: 5 })];
    expect(names(concurrentRuns(ops, HOSTS))).toEqual([['w1', 'w2'], ['m1'], ['m2'], ['w3']]);
  });

  it('never puts different moves, kinds of host, or anything but pool writes together', () => {
    const ops: Operation[] = [
      write('w1', INACTIVE, YES),
      write('w2', NO, YES),
      write('m1', YES, { pooled: 'inactive', weight: 10 }),
      write('m2', NO, { pooled: 'inactive', weight: 10 }),
      { kind: 'puppet', selector: 'A:maps', batchSize: 1, applies: 'x' },
      { kind: 'puppet', selector: 'A:maps', batchSize: 1, applies: 'y' },
      write('w3', INACTIVE, YES),
    ];
    expect(names(concurrentRuns(ops, HOSTS))).toEqual([['w1'], ['w2'], ['m1'], ['m2'], ['puppet'], ['puppet'], ['w3']]);
  });
});

describe('atMost', () => {
  it('keeps at most `limit` under way, and answers in the items\' order', async () => {
    let running = 0;
    let most = 0;
    const results = await atMost(3, [5, 1, 4, 2, 3, 0], async (n) => {
      running += 1;
      most = Math.max(most, running);
      for (let i = 0; i < n; i += 1) await Promise.resolve();
      running -= 1;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(most).toBe(3);
  });

  it('starts nothing after a failure, lets those under way finish, and throws the failure', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const failure = await atMost(2, [1, 2, 3, 4, 5], async (n) => {
      started.push(n);
      for (let i = 0; i < 3; i += 1) await Promise.resolve();
      if (n === 2) throw new Error('refused');
      finished.push(n);
      return n;
    }).catch((error: unknown) => error);
    expect((failure as Error).message).toBe('refused');
    expect(started).toEqual([1, 2, 3]);
    expect(finished).toEqual([1, 3]);
  });
});
