import { describe, expect, it } from 'vitest';
import { actionHash, actionSchema, conftoolPath, describeAction, type SetPooledAction } from '../../core/actions.js';

const pool = { lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' };

const poolWorker: SetPooledAction = {
  kind: 'set-pooled',
  verb: 'pool',
  service: 'kartotherian',
  pool,
  fqdn: 'wikikube-worker1001.eqiad.wmnet',
  changes: { pooled: 'yes', weight: 10 },
};

describe('actionHash', () => {
  it('is 16 hex digits', () => {
    expect(actionHash(poolWorker)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('does not depend on key order, at any depth', () => {
    const reordered: SetPooledAction = {
      changes: { weight: 10, pooled: 'yes' },
      fqdn: 'wikikube-worker1001.eqiad.wmnet',
      pool: { conftoolService: 'kartotherian-k8s-ssl', cluster: 'maps', dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl' },
      service: 'kartotherian',
      verb: 'pool',
      kind: 'set-pooled',
    };
    expect(actionHash(reordered)).toBe(actionHash(poolWorker));
  });

  it('survives a JSON round trip, as through Redis, including undefined fields', () => {
    const withUndefined: SetPooledAction = { ...poolWorker, changes: { pooled: 'yes', weight: undefined } };
    const withoutWeight: SetPooledAction = { ...poolWorker, changes: { pooled: 'yes' } };
    expect(actionHash(JSON.parse(JSON.stringify(poolWorker)) as SetPooledAction)).toBe(actionHash(poolWorker));
    expect(actionHash(withUndefined)).toBe(actionHash(withoutWeight));
  });

  it.each<[string, SetPooledAction]>([
    ['the weight', { ...poolWorker, changes: { pooled: 'yes', weight: 11 } }],
    ['a field dropped', { ...poolWorker, changes: { pooled: 'yes' } }],
    ['the verb', { ...poolWorker, verb: 'depool', changes: { pooled: 'yes', weight: 10 } }],
    ['the host', { ...poolWorker, fqdn: 'wikikube-worker1002.eqiad.wmnet' }],
    ['the DC', { ...poolWorker, pool: { ...pool, dc: 'codfw' } }],
    ['the LVS service', { ...poolWorker, pool: { ...pool, lvsService: 'kartotherian-ssl', conftoolService: 'kartotherian-ssl' } }],
    ['the service', { ...poolWorker, service: 'tegola' }],
  ])('changes when %s changes', (_what, changed) => {
    expect(actionHash(changed)).not.toBe(actionHash(poolWorker));
  });

  it('is not fooled by a value that looks like JSON structure', () => {
    const a: SetPooledAction = { ...poolWorker, fqdn: 'a","fqdn":"b' };
    const b: SetPooledAction = { ...poolWorker, fqdn: 'b' };
    expect(actionHash(a)).not.toBe(actionHash(b));
  });
});

describe('describeAction', () => {
  it('describes a pool with its weight', () => {
    expect(describeAction(poolWorker)).toBe('pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10');
  });

  it('describes a pool that keeps the current weight without one', () => {
    expect(describeAction({ ...poolWorker, changes: { pooled: 'yes' } })).toBe('pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad)');
  });

  it('describes a depool', () => {
    const depool: SetPooledAction = {
      ...poolWorker,
      verb: 'depool',
      pool: { lvsService: 'kartotherian-ssl', dc: 'codfw', cluster: 'maps', conftoolService: 'kartotherian-ssl' },
      fqdn: 'maps2005.codfw.wmnet',
      changes: { pooled: 'no' },
    };
    expect(describeAction(depool)).toBe('depool maps2005.codfw.wmnet from kartotherian-ssl (codfw)');
  });
});

describe('conftoolPath', () => {
  it('is where pybal reads the pool member: /conftool/v1/pools/<dc>/<cluster>/<service>/<fqdn>', () => {
    expect(conftoolPath(pool, 'wikikube-worker1001.eqiad.wmnet')).toBe('/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet');
  });

  it('uses the conftool service name, not the LVS service name', () => {
    expect(conftoolPath({ lvsService: 'maps-https', dc: 'codfw', cluster: 'maps', conftoolService: 'kartotherian-ssl' }, 'maps2005.codfw.wmnet')).toBe(
      '/conftool/v1/pools/codfw/maps/kartotherian-ssl/maps2005.codfw.wmnet',
    );
  });
});

describe('actionSchema', () => {
  it('accepts a set-pooled action', () => {
    expect(actionSchema.parse(poolWorker)).toEqual(poolWorker);
  });

  it('refuses an action that changes nothing', () => {
    expect(actionSchema.safeParse({ ...poolWorker, changes: {} }).success).toBe(false);
  });

  it('refuses unknown fields and out-of-range weights', () => {
    expect(actionSchema.safeParse({ ...poolWorker, extra: 1 }).success).toBe(false);
    expect(actionSchema.safeParse({ ...poolWorker, changes: { weight: 1001 } }).success).toBe(false);
  });
});
