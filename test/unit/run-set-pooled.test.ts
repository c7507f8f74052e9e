import { describe, expect, it } from 'vitest';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import type { PybalConfirmation } from '../../core/ports/pybal.js';
import { seedEntries } from '../../adapters/simulated/seed-entries.js';
import { conftoolPath, type SetPooledAction } from '../../core/actions.js';
import { isCutoverError } from '../../core/errors.js';
import { runSetPooled } from '../../jobs/run-set-pooled.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { DEFAULT_NOW, FakePooling, FixedClock } from '../helpers/fakes.js';
import { makeSafety } from '../helpers/fake-safety.js';
import type { ChangeRequest } from '../../core/requests.js';

const pool = { lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' };
const action: SetPooledAction = { kind: 'set-pooled', verb: 'pool', service: 'kartotherian', pool, fqdn: 'wikikube-worker1001.eqiad.wmnet', changes: { pooled: 'yes', weight: 10 } };

function observer(confirmations: PybalConfirmation[] | undefined): PoolObserver {
  return { pybal: async () => undefined, health: async () => undefined, confirmApplied: async () => confirmations };
}

const request: ChangeRequest = {
  id: 'k7qm',
  service: 'kartotherian',
  action,
  actionHash: 'x',
  summary: 'pool wikikube-worker1001',
  reason: 'first canary',
  task: 'T378944',
  requester: { person: 'alice', display: 'alice', transport: 'console', channel: '#ops' },
  approvalsRequired: 1,
  approvals: [],
  state: 'running',
  createdAt: DEFAULT_NOW,
  expiresAt: DEFAULT_NOW + 60_000,
  updatedAt: DEFAULT_NOW,
};

async function world() {
  const config = await loadShippedConfig();
  const inventories = shippedInventories(config);
  const pooling = new FakePooling(seedEntries(config.backends.pooling, inventories));
  const { writer } = makeSafety(pooling, inventories, new FixedClock());
  const run = (observed: PoolObserver) => runSetPooled(action, request, { writer, pooling, inventories, observer: observed });
  return { inventories, pooling, run };
}

describe('runSetPooled: conftool written, read back, and seen by pybal on every LVS', () => {
  it('names the LVS hosts that applied the change', async () => {
    const { run } = await world();
    const applied = (lvsHost: string): PybalConfirmation => ({ lvsHost, outcome: 'applied', elapsedMs: 20 });
    const result = await run(observer([applied('lvs1019.eqiad.wmnet'), applied('lvs1020.eqiad.wmnet')]));
    expect(result.outcome).toMatch(/read back and verified, pybal ✓ on lvs1019, lvs1020 · eqiad kartotherian-k8s-ssl now 7 pooled/);
  });

  it('fails loudly when one LVS does not show the change, after conftool was written', async () => {
    const { pooling, run } = await world();
    const lagging = observer([
      { lvsHost: 'lvs1019.eqiad.wmnet', outcome: 'applied', elapsedMs: 20 },
      { lvsHost: 'lvs1020.eqiad.wmnet', outcome: 'error', error: { kind: 'timeout', detail: 'no answer in 3000 ms' }, elapsedMs: 30_000 },
    ]);
    const failure = await run(lagging).catch((error: unknown) => error);
    expect(isCutoverError(failure, 'pooling.verify-failed')).toBe(true);
    expect((failure as Error).message).toBe(
      'conftool now says pooled=yes for wikikube-worker1001.eqiad.wmnet, but pybal on lvs1020.eqiad.wmnet (error: timeout) does not show it; check pybal before anything else.',
    );
    expect((await pooling.get(conftoolPath(pool, action.fqdn)))?.state).toEqual({ pooled: 'yes', weight: 10 });
  });

  it('says when pybal does not serve the pool yet, instead of failing', async () => {
    const { run } = await world();
    const noPool = (lvsHost: string): PybalConfirmation => ({ lvsHost, outcome: 'error', error: { kind: 'http-error', detail: '404' }, elapsedMs: 5 });
    const result = await run(observer([noPool('lvs1019.eqiad.wmnet'), noPool('lvs1020.eqiad.wmnet')]));
    expect(result.outcome).toMatch(/pybal has no kartotherian-k8s-ssl pool yet \(takes no traffic\)/);
  });

  it('skips pybal for a no-op and when none is configured', async () => {
    const { run } = await world();
    const unused = observer(undefined);
    const first = await run(unused);
    expect(first.outcome).not.toMatch(/pybal/);
    const again = await run(observer([{ lvsHost: 'lvs1019.eqiad.wmnet', outcome: 'pending', elapsedMs: 1 }]));
    expect(again.state).toBe('noop');
  });
});
