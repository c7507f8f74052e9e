import { describe, expect, it } from 'vitest';
import { confctlStderr, parseConfctlGet, parseConfctlSet } from '../../adapters/conftool/confctl-output.js';
import { selector } from '../../adapters/conftool/confctl-pooling.js';
import { conftoolPoolDirectory, parseConftoolPath } from '../../adapters/conftool/conftool-key.js';
import { formatConftoolValue, parseConftoolValue } from '../../adapters/conftool/conftool-value.js';
import { etcdErrorSchema, etcdResultSchema } from '../../adapters/conftool/etcd-schemas.js';
import { pythonJsonDumps } from '../../adapters/conftool/python-json.js';
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

  it('merges into the fields it was given, as confctl does: owned fields first, the others after, in their order', () => {
    // confctl-transcripts.md, Transcript 2: set/pooled=yes on {"weight": 10, "pooled": "inactive", "reason": "T1"}.
    expect(formatConftoolValue({ pooled: 'yes', weight: 10 }, { reason: 'T1' })).toBe('{"weight": 10, "pooled": "yes", "reason": "T1"}');
    expect(formatConftoolValue({ pooled: 'no', weight: 1 }, { z: [1, { a: null }], a: true })).toBe('{"weight": 1, "pooled": "no", "z": [1, {"a": null}], "a": true}');
    // Owned fields come from the state, never from what is kept.
    expect(formatConftoolValue({ pooled: 'no', weight: 1 }, { pooled: 'yes', weight: 9, reason: 'T1' })).toBe('{"weight": 1, "pooled": "no", "reason": "T1"}');
    expect(formatConftoolValue({ pooled: 'no', weight: 1 }, {})).toBe('{"weight": 1, "pooled": "no"}');
  });

  it('reads conftool values, whatever their spacing, and refuses a bad owned field', () => {
    expect(parseConftoolValue('{"weight": 10, "pooled": "no"}', 'k')).toEqual({ state: { weight: 10, pooled: 'no' } });
    expect(parseConftoolValue('{"pooled":"yes","weight":3}', 'k')).toEqual({ state: { weight: 3, pooled: 'yes' } });
    for (const raw of ['', 'yes', '{"weight": 10}', '{"weight": "10", "pooled": "yes"}', '{"weight": 1.5, "pooled": "yes"}', '{"weight": 10, "pooled": "YES"}', '{"weight": 1001, "pooled": "yes"}', '{"weight": 10, "pooled": "maybe", "reason": "T1"}', '[]', 'null']) {
      expect(codeOf(() => parseConftoolValue(raw, 'k'))).toBe('adapter.bad-output');
    }
  });

  it('keeps the fields it does not own, in stored order, and gives no extra when there is none', () => {
    expect(parseConftoolValue('{"weight": 10, "pooled": "yes", "reason": "T1"}', 'k')).toEqual({ state: { weight: 10, pooled: 'yes' }, extra: { reason: 'T1' } });
    const parsed = parseConftoolValue('{"z": 1, "weight": 10, "a": {"b": [2]}, "pooled": "yes"}', 'k');
    expect(Object.keys(parsed.extra ?? {})).toEqual(['z', 'a']);
    expect(parsed.extra).toEqual({ z: 1, a: { b: [2] } });
    expect(Object.hasOwn(parseConftoolValue('{"weight": 10, "pooled": "yes"}', 'k'), 'extra')).toBe(false);
  });

  it('round-trips what confctl stored, byte for byte', () => {
    for (const raw of ['{"weight": 10, "pooled": "yes", "reason": "T1"}', '{"weight": 0, "pooled": "inactive", "note": "caf\\u00e9 \\ud83d\\ude00", "n": null, "l": [1, 2.5, "x"]}']) {
      const { state, extra } = parseConftoolValue(raw, 'k');
      expect(formatConftoolValue(state, extra)).toBe(raw);
    }
  });

  it('keeps a field named __proto__ as a field, not as a prototype', () => {
    const { state, extra } = parseConftoolValue('{"weight": 1, "pooled": "no", "__proto__": {"polluted": true}}', 'k');
    expect(Object.keys(extra ?? {})).toEqual(['__proto__']);
    expect((extra as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(formatConftoolValue(state, extra)).toBe('{"weight": 1, "pooled": "no", "__proto__": {"polluted": true}}');
  });
});

describe('Python json.dumps', () => {
  it('uses Python\'s separators and escapes everything outside printable ASCII', () => {
    expect(pythonJsonDumps({ a: [1, 'b', { c: null }], d: false, e: {}, f: [] })).toBe('{"a": [1, "b", {"c": null}], "d": false, "e": {}, "f": []}');
    expect(pythonJsonDumps('café ☃ \u007f "q" \\ \n\t\u0001')).toBe('"caf\\u00e9 \\u2603 \\u007f \\"q\\" \\\\ \\n\\t\\u0001"');
    expect(pythonJsonDumps('😀')).toBe('"\\ud83d\\ude00"');
    expect(pythonJsonDumps(-2.5)).toBe('-2.5');
  });

  it('refuses what is not JSON', () => {
    for (const value of [undefined, Number.NaN, Number.POSITIVE_INFINITY, 1n, () => 1, new Date(0), new Map(), Symbol('s')]) {
      expect(codeOf(() => pythonJsonDumps({ x: value }))).toBe('input.invalid');
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

  it('reads a value with a field outside conftool\'s schema, should a later confctl show one, and drops that field', () => {
    expect(parseConfctlGet(line('maps1005.eqiad.wmnet', '{"weight": 10, "pooled": "yes", "reason": "T1"}'), SHOWN)).toEqual([
      { name: 'maps1005.eqiad.wmnet', tags: { dc: 'eqiad', cluster: 'maps', service: 'kartotherian-ssl' }, state: { weight: 10, pooled: 'yes' } },
    ]);
  });

  it('parses set reports with their <dc>/<cluster>/<service>/<fqdn> prefix, as conftool 3.0.1 prints them', () => {
    // confctl-transcripts.md, Transcript 1.
    const stdout = 'eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet: pooled changed inactive => yes\neqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet: weight changed 0 => 10\n';
    const object = { dc: 'eqiad', cluster: 'maps', service: 'kartotherian-k8s-ssl', fqdn: 'wikikube-worker1001.eqiad.wmnet' };
    expect(parseConfctlSet(stdout, SHOWN)).toEqual([
      { object, field: 'pooled', from: 'inactive', to: 'yes' },
      { object, field: 'weight', from: '0', to: '10' },
    ]);
    expect(parseConfctlSet('eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet: weight changed 10 => 10\n', SHOWN)).toEqual([{ object, field: 'weight', from: '10', to: '10' }]);
    expect(parseConfctlSet('', SHOWN)).toEqual([]);
    expect(parseConfctlSet('\n', SHOWN)).toEqual([]);
  });

  it.each([
    ['the bare host name older stand-ins printed', 'maps1005.eqiad.wmnet: pooled changed yes => no'],
    ['the prompt', 'Ok to continue? [y/N]'],
    ['a traceback', 'EOFError: EOF when reading a line'],
    ['a path that is not a pool object', 'eqiad/maps/maps1005.eqiad.wmnet: pooled changed yes => no'],
    ['a name that is not an FQDN', 'eqiad/maps/kartotherian-ssl/maps1005: pooled changed yes => no'],
    ['a tag with a regex in it', 'eqiad/ma.*/kartotherian-ssl/maps1005.eqiad.wmnet: pooled changed yes => no'],
  ])('refuses a set report that is %s', (_label, bad) => {
    expect(codeOf(() => parseConfctlSet(bad, SHOWN))).toBe('adapter.bad-output');
  });

  it('drops the IRC-handler warning every confctl run logs, and keeps everything else', () => {
    const stderr = 'WARNING:conftool:Skipped configuration of IRC handler, invalid parameters: host=, port=0\nERROR:conftool:Invalid action, reason: x\n';
    expect(confctlStderr(stderr)).toBe('ERROR:conftool:Invalid action, reason: x\n');
    expect(confctlStderr('WARNING:conftool.announce:conftool action : set/pooled=no; selector: name=x')).toBe('WARNING:conftool.announce:conftool action : set/pooled=no; selector: name=x');
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
