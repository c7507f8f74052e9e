import { describe, expect, it } from 'vitest';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import type { PybalHostView } from '../../core/ports/pybal.js';
import { createDispatcher } from '../../commands/dispatch.js';
import type { Config } from '../../config/schema.js';
import { conftoolPath } from '../../core/actions.js';
import type { PoolState } from '../../core/pool-state.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';

const shipped = await loadShippedConfig();

type Pybal = 'serving' | 'no pool' | 'none';

/** pybal on both LVS hosts of a DC: serving the pool, or answering 404 because it has no such pool yet. */
function observer(pybal: Exclude<Pybal, 'none'>): PoolObserver {
  return {
    async pybal({ dc }) {
      const hosts = dc === 'eqiad' ? ['lvs1019.eqiad.wmnet', 'lvs1020.eqiad.wmnet'] : ['lvs2013.codfw.wmnet', 'lvs2014.codfw.wmnet'];
      return hosts.map((lvsHost): PybalHostView =>
        pybal === 'serving'
          ? { lvsHost, url: `http://${lvsHost}:9090/pools/x`, ok: true, servers: {} }
          : { lvsHost, url: `http://${lvsHost}:9090/pools/x`, ok: false, error: 'http-error', detail: '404' },
      );
    },
    health: async () => undefined,
    confirmApplied: async () => undefined,
  };
}

/**
 * The capacity part of `status` for the k8s pool in one DC, with conftool holding exactly `states`
 * (short host name → state) and pybal as given.
 */
async function k8sFloor(dc: string, states: Record<string, PoolState>, options: { pybal?: Pybal; edit?: (config: Config) => void } = {}): Promise<string> {
  const config = structuredClone(shipped);
  options.edit?.(config);
  const inventories = shippedInventories(config);
  const fakes = makeDeps(config, inventories);
  const inventory = inventories.get('kartotherian');
  if (inventory === undefined) throw new Error('no kartotherian inventory');
  const pool = inventory.pool('kartotherian-k8s-ssl', dc);
  for (const [short, state] of Object.entries(states)) fakes.pooling.put(conftoolPath(pool, `${short}.${dc}.wmnet`), state);
  const pybal = options.pybal ?? 'none';
  const deps = pybal === 'none' ? fakes.deps : { ...fakes.deps, observers: new Map([['kartotherian', observer(pybal)]]) };
  const dispatch = createDispatcher({ config, inventories, deps, onUnexpectedError: (error) => { throw error; } });
  const reply = await dispatch.line({ text: `!kartotherian status --dc ${dc} --service kartotherian-k8s-ssl`, caller: callerFor('alice') });
  const line = reply?.text.split('\n').find((text) => text.startsWith(`${dc} kartotherian-k8s-ssl:6543`));
  if (line === undefined) throw new Error(`no k8s pool line in ${reply?.text}`);
  return line.split(' | ')[0]?.replace(/^.* — /, '') ?? '';
}

const yes: PoolState = { pooled: 'yes', weight: 10 };
const no: PoolState = { pooled: 'no', weight: 10 };
const inactive: PoolState = { pooled: 'inactive', weight: 0 };
const each = (names: string[], state: PoolState): Record<string, PoolState> => Object.fromEntries(names.map((name) => [name, state]));
const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, index) => `${prefix}${from + index}`);

describe('status: pybal floor', () => {
  // Regression: "⚠ BELOW FLOOR: 0 pooled, needs 1/0" — the floor is at least 1 so a guard never
  // empties a pool, but a pool with nothing counted takes no traffic by design.
  it('says a pool with every host inactive counts nothing and takes no traffic, without a warning', async () => {
    const states = { ...each(range('maps', 2005, 2010), inactive), ...each(range('wikikube-worker', 2001, 2004), inactive) };
    expect(await k8sFloor('codfw', states)).toBe('pooled 0, depooled 0, inactive 10 · no host counted (all inactive): takes no traffic');
    expect(await k8sFloor('codfw', states, { pybal: 'serving' })).not.toContain('⚠');
  });

  // The end state of `emergency-stop` after eqiad's fourth wave (test/integration/plan-rehearsal):
  // every maps host back to yes, every worker yes → no. Workers set to no still count in pybal's
  // total, and 6 of 10 is above the floor of 5.
  it('finds the pool after an emergency stop above the floor: 6 maps pooled, 4 workers pooled=no', async () => {
    const states = { ...each(range('maps', 1005, 1010), yes), ...each(range('wikikube-worker', 1001, 1004), no) };
    expect(await k8sFloor('eqiad', states, { pybal: 'serving' })).toBe('pooled 6, depooled 4, inactive 0 · may lose 1 (floor 5/10)');
  });

  it('does not call a pool below floor while pybal has no such pool: it takes no traffic yet', async () => {
    const states = { ...each(range('maps', 2005, 2010), no), ...each(range('wikikube-worker', 2001, 2004), yes) };
    expect(await k8sFloor('codfw', states, { pybal: 'no pool' })).toBe('pooled 4, depooled 6, inactive 0 · 4 pooled, floor 5/10 once pybal has this pool (takes no traffic yet)');
  });

  it('warns, with the reason and the way out, when workers set to no outnumber the bare metal pooled in a pool that takes traffic', async () => {
    const workers = range('wikikube-worker', 1001, 1008);
    const edit = (config: Config): void => {
      const group = config.services['kartotherian']?.host_groups['wikikube'];
      if (group !== undefined) group.hosts['eqiad'] = workers.map((name) => `${name}.eqiad.wmnet`);
    };
    const states = { ...each(range('maps', 1005, 1010), yes), ...each(workers, no) };
    expect(await k8sFloor('eqiad', states, { pybal: 'serving', edit })).toBe(
      "pooled 6, depooled 8, inactive 0 · ⚠ BELOW FLOOR: 6 pooled, needs 7/14 · 8 pooled=no still count in pybal's total, so it can eject no failing host (inactive ones would not count)",
    );
  });

  it('warns loudly when a pool that takes traffic has every counted host depooled', async () => {
    const states = { ...each(range('maps', 1005, 1010), no), ...each(range('wikikube-worker', 1001, 1004), inactive) };
    expect(await k8sFloor('eqiad', states)).toBe('pooled 0, depooled 6, inactive 4 · ⚠ NOTHING POOLED: 0 of 6 counted');
  });
});
