import { describe, expect, it } from 'vitest';
import { decodeConftoolNode, decodeEtcdData, maxModifiedIndex } from '../../lab/pybal/conftool-values.js';

const dir = '/conftool/v1/pools/eqiad/maps/kartotherian-ssl';

describe('conftool values as pybal/etcd.py decodes them', () => {
  it('yes, no and inactive', () => {
    expect(decodeConftoolNode({ key: `${dir}/maps1005.eqiad.wmnet`, value: '{"weight": 10, "pooled": "yes"}' })).toEqual(['maps1005.eqiad.wmnet', { weight: 10, enabled: true }]);
    expect(decodeConftoolNode({ key: `${dir}/maps1006.eqiad.wmnet`, value: '{"weight": 5, "pooled": "no"}' })).toEqual(['maps1006.eqiad.wmnet', { weight: 5, enabled: false }]);
    expect(decodeConftoolNode({ key: `${dir}/maps1007.eqiad.wmnet`, value: '{"weight": 0, "pooled": "inactive"}' })).toEqual(['maps1007.eqiad.wmnet', null]);
  });

  it('a deleted key is removed; a missing or mistyped field is left to the previous value', () => {
    expect(decodeConftoolNode({ key: `${dir}/maps1005.eqiad.wmnet` })).toEqual(['maps1005.eqiad.wmnet', null]);
    expect(decodeConftoolNode({ key: `${dir}/maps1005.eqiad.wmnet`, value: '{"weight": "ten"}' })).toEqual(['maps1005.eqiad.wmnet', {}]);
    expect(() => decodeConftoolNode({ key: `${dir}/maps1005.eqiad.wmnet`, value: 'not json' })).toThrow();
  });

  it('a directory read gives every child; the next waitIndex comes from the highest modifiedIndex', () => {
    const node = {
      key: dir,
      dir: true,
      modifiedIndex: 4,
      nodes: [
        { key: `${dir}/a.eqiad.wmnet`, value: '{"weight": 10, "pooled": "yes"}', modifiedIndex: 7 },
        { key: `${dir}/b.eqiad.wmnet`, value: '{"weight": 10, "pooled": "inactive"}', modifiedIndex: 9 },
      ],
    };
    expect(decodeEtcdData(node)).toEqual(new Map([['a.eqiad.wmnet', { weight: 10, enabled: true }], ['b.eqiad.wmnet', null]]));
    expect(maxModifiedIndex(node)).toBe(9);
  });
});
