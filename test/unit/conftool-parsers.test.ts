import { describe, expect, it } from 'vitest';
import { parseConfctlGet, parseConfctlSet } from '../../adapters/conftool/confctl-output.js';
import { selector } from '../../adapters/conftool/confctl-pooling.js';
import { conftoolPoolDirectory, parseConftoolPath } from '../../adapters/conftool/conftool-key.js';
import { formatConftoolValue, parseConftoolValue } from '../../adapters/conftool/conftool-value.js';
import { etcdErrorSchema, etcdResultSchema } from '../../adapters/conftool/etcd-schemas.js';
import { CutoverError } from '../../core/errors.js';

const SHOWN = "confctl --quiet select 'dc=eqiad' get";

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CutoverError) return error.code;
    throw error;
  }
  return 'ok';
}

describe('conftool keys', () => {
  it('splits a pool key into its tags and name', () => {
    expect(parseConftoolPath('/conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet')).toEqual({ dc: 'eqiad', cluster: 'maps', service: 'kartotherian-ssl', fqdn: 'maps1005.eqiad.wmnet' });
    expect(parseConftoolPath('/conftool/v1/pools/codfw/cache_text/ats-be/cp2027.codfw.wmnet').cluster).toBe('cache_text');
  });

  it.each([
    '/conftool/v1/pools/eqiad/maps/kartotherian-ssl',
    '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/',
    '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1005',
    '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet/extra',
    '/conftool/v1/pools/eqiad/../kartotherian-ssl/maps1005.eqiad.wmnet',
    '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/Maps1005.eqiad.wmnet',
    '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet?x=1',
    '/conftool/v1/pools/eqiad/maps/kartotherian ssl/maps1005.eqiad.wmnet',
    '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1005..wmnet',
    '/conftool/v2/pools/eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet',
    'conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet',
    '',
  ])('refuses %j', (path) => {
    expect(codeOf(() => parseConftoolPath(path))).toBe('input.invalid');
  });

  it('builds a pool directory only from valid tags', () => {
    expect(conftoolPoolDirectory({ lvsService: 'x', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian' })).toBe('/conftool/v1/pools/eqiad/maps/kartotherian');
    expect(codeOf(() => conftoolPoolDirectory({ lvsService: 'x', dc: 'eqiad', cluster: 'maps/..', conftoolService: 'kartotherian' }))).toBe('input.invalid');
    expect(codeOf(() => conftoolPoolDirectory({ lvsService: 'x', dc: '', cluster: 'maps', conftoolService: 'kartotherian' }))).toBe('input.invalid');
  });
});

describe('conftool values', () => {
  it('writes exactly what conftool (Python json.dumps) writes', () => {
    expect(formatConftoolValue({ pooled: 'yes', weight: 10 })).toBe('{"weight": 10, "pooled": "yes"}');
    expect(formatConftoolValue({ weight: 0, pooled: 'inactive' })).toBe('{"weight": 0, "pooled": "inactive"}');
  });

  it('reads conftool values, whatever their spacing, and refuses anything else', () => {
    expect(parseConftoolValue('{"weight": 10, "pooled": "no"}', 'k')).toEqual({ weight: 10, pooled: 'no' });
    expect(parseConftoolValue('{"pooled":"yes","weight":3}', 'k')).toEqual({ weight: 3, pooled: 'yes' });
    for (const raw of ['', 'yes', '{"weight": 10}', '{"weight": "10", "pooled": "yes"}', '{"weight": 1.5, "pooled": "yes"}', '{"weight": 10, "pooled": "YES"}', '{"weight": 10, "pooled": "yes", "extra": 1}', '[]']) {
      expect(codeOf(() => parseConftoolValue(raw, 'k'))).toBe('adapter.bad-output');
    }
  });
});

describe('confctl output', () => {
  const line = (name: string, value: string, tags = 'dc=eqiad,cluster=maps,service=kartotherian-ssl'): string => `{"${name}": ${value}, "tags": "${tags}"}`;

  it('parses get lines, one object each, ignoring blank lines', () => {
    const stdout = `${line('maps1005.eqiad.wmnet', '{"weight": 10, "pooled": "yes"}')}\n\n${line('maps1006.eqiad.wmnet', '{"weight": 0, "pooled": "inactive"}', 'service=kartotherian-ssl,dc=eqiad,cluster=maps')}\n`;
    expect(parseConfctlGet(stdout, SHOWN)).toEqual([
      { name: 'maps1005.eqiad.wmnet', tags: { dc: 'eqiad', cluster: 'maps', service: 'kartotherian-ssl' }, state: { weight: 10, pooled: 'yes' } },
      { name: 'maps1006.eqiad.wmnet', tags: { dc: 'eqiad', cluster: 'maps', service: 'kartotherian-ssl' }, state: { weight: 0, pooled: 'inactive' } },
    ]);
    expect(parseConfctlGet('', SHOWN)).toEqual([]);
  });

  it.each([
    ['not JSON', 'maps1005.eqiad.wmnet: pooled=yes'],
    ['a bad value', line('maps1005.eqiad.wmnet', '{"weight": 10, "pooled": "maybe"}')],
    ['no tags', '{"maps1005.eqiad.wmnet": {"weight": 10, "pooled": "yes"}}'],
    ['a third key', '{"maps1005.eqiad.wmnet": {"weight": 10, "pooled": "yes"}, "tags": "dc=eqiad,cluster=maps,service=s", "x": 1}'],
    ['a missing tag', line('maps1005.eqiad.wmnet', '{"weight": 10, "pooled": "yes"}', 'dc=eqiad,cluster=maps')],
    ['an unknown tag', line('maps1005.eqiad.wmnet', '{"weight": 10, "pooled": "yes"}', 'dc=eqiad,cluster=maps,service=s,rack=a1')],
    ['a repeated tag', line('maps1005.eqiad.wmnet', '{"weight": 10, "pooled": "yes"}', 'dc=eqiad,dc=codfw,cluster=maps,service=s')],
    ['a name that is not an FQDN', line('maps1005', '{"weight": 10, "pooled": "yes"}')],
    ['an array', '[1, 2]'],
    ['the prompt', 'Ok to continue? [y/N]'],
  ])('refuses a get line with %s', (_label, bad) => {
    expect(codeOf(() => parseConfctlGet(bad, SHOWN))).toBe('adapter.bad-output');
  });

  it('parses set reports and refuses anything else', () => {
    expect(parseConfctlSet('maps1005.eqiad.wmnet: pooled changed yes => no\nmaps1005.eqiad.wmnet: weight changed 10 => 5\n', SHOWN)).toEqual([
      { name: 'maps1005.eqiad.wmnet', field: 'pooled', from: 'yes', to: 'no' },
      { name: 'maps1005.eqiad.wmnet', field: 'weight', from: '10', to: '5' },
    ]);
    expect(parseConfctlSet('', SHOWN)).toEqual([]);
    expect(codeOf(() => parseConfctlSet('Ok to continue? [y/N]', SHOWN))).toBe('adapter.bad-output');
  });

  it('anchors and escapes selectors', () => {
    expect(selector({ dc: 'eqiad', cluster: 'maps', service: 'kartotherian-ssl', fqdn: 'maps1005.eqiad.wmnet' })).toBe('name=maps1005\\.eqiad\\.wmnet,dc=eqiad,cluster=maps,service=kartotherian-ssl');
    expect(selector({ dc: 'eqiad', cluster: 'cache_text', service: 'ats-be' })).toBe('dc=eqiad,cluster=cache_text,service=ats-be');
  });
});

describe('etcd v2 answers', () => {
  it('accepts etcd 3.4 shapes and tolerates fields cutover does not read', () => {
    const created = { action: 'create', node: { key: '/a', value: 'v', modifiedIndex: 4, createdIndex: 4, ttl: 5, expiration: 'x' } };
    expect(etcdResultSchema.safeParse(created).success).toBe(true);
    const listing = { action: 'get', node: { key: '/d', dir: true, nodes: [{ key: '/d/x', value: 'v', modifiedIndex: 5, createdIndex: 4 }, { key: '/d/sub', dir: true, modifiedIndex: 6, createdIndex: 6 }], modifiedIndex: 4, createdIndex: 4 } };
    expect(etcdResultSchema.safeParse(listing).success).toBe(true);
    expect(etcdErrorSchema.parse({ errorCode: 101, message: 'Compare failed', cause: '[3 != 4]', index: 4 }).errorCode).toBe(101);
  });

  it('refuses what is not an etcd answer', () => {
    expect(etcdResultSchema.safeParse({ action: 'get' }).success).toBe(false);
    expect(etcdResultSchema.safeParse({ action: 'get', node: { key: '/a', value: 'v', modifiedIndex: '4', createdIndex: 4 } }).success).toBe(false);
    expect(etcdErrorSchema.safeParse({ message: 'x' }).success).toBe(false);
  });
});
