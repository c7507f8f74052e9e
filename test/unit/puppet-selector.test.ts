import { describe, expect, it } from 'vitest';
import { expandNodeSet } from '../../adapters/puppet/nodeset.js';
import { parseSelector } from '../../adapters/puppet/selector.js';
import { puppetSettingsSchema } from '../../adapters/puppet/settings.js';
import { isCutoverError, type ErrorCode } from '../../core/errors.js';
import { KARTOTHERIAN_PUPPET } from '../helpers/kartotherian-settings.js';

const settings = puppetSettingsSchema.parse({ host: { kind: 'local' }, ...KARTOTHERIAN_PUPPET });

function codeOf(action: () => unknown): ErrorCode | undefined {
  try {
    action();
  } catch (error) {
    if (isCutoverError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('expandNodeSet', () => {
  it.each([
    ['maps1005.eqiad.wmnet', ['maps1005.eqiad.wmnet']],
    ['maps100[5-6].eqiad.wmnet', ['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet']],
    ['maps[1005-1006,1009].eqiad.wmnet', ['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet', 'maps1009.eqiad.wmnet']],
    ['maps[1005-1006].eqiad.wmnet,wikikube-worker1001.eqiad.wmnet', ['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet', 'wikikube-worker1001.eqiad.wmnet']],
    ['host[08-10]', ['host08', 'host09', 'host10']],
    ['maps1005.eqiad.wmnet,maps1005.eqiad.wmnet', ['maps1005.eqiad.wmnet']],
  ])('%s', (text, hosts) => {
    expect(expandNodeSet(text)).toEqual(hosts);
  });

  it.each(['maps[1005-1006.eqiad.wmnet', 'maps[[1]]', 'maps[6-5]', 'maps[a-b]', 'maps,', 'maps[1-99999999]', 'a b', 'maps*'])('refuses %s', (text) => {
    expect(codeOf(() => expandNodeSet(text))).toBe('input.invalid');
  });
});

describe('parseSelector', () => {
  it('accepts an alias from the allow-list as A:<alias>', () => {
    expect(parseSelector('A:maps-eqiad', settings)).toEqual({ kind: 'alias', alias: 'maps-eqiad', query: 'A:maps-eqiad' });
  });

  it('accepts a host list whose hosts all match the pattern, keeping the node-set notation cumin reads', () => {
    expect(parseSelector('maps100[5-6].eqiad.wmnet', settings)).toEqual({ kind: 'hosts', hosts: ['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet'], query: 'maps100[5-6].eqiad.wmnet' });
  });

  it.each([
    ['an alias not on the list', 'A:all', 'input.invalid'],
    ['the alias that selects every host', 'A:all-hosts', 'input.invalid'],
    ['a prototype name as alias', 'A:constructor', 'input.invalid'],
    ['a PuppetDB query', 'R:class = role::maps::master', 'input.invalid'],
    ['a boolean cumin query', 'A:maps-eqiad and not maps1005.eqiad.wmnet', 'input.invalid'],
    ['a glob', 'maps*.eqiad.wmnet', 'input.invalid'],
    ['shell syntax', "maps1005.eqiad.wmnet'; rm -rf / #", 'input.invalid'],
    ['a host outside the pattern', 'db1001.eqiad.wmnet', 'input.unknown-host'],
    ['a short name', 'maps1005', 'input.unknown-host'],
    ['too many hosts', 'maps[1000-1099].eqiad.wmnet', 'input.invalid'],
  ])('refuses %s', (_label, input, code) => {
    expect(codeOf(() => parseSelector(input, settings))).toBe(code);
  });
});

describe('puppetSettingsSchema', () => {
  it('has production-shaped defaults', () => {
    expect(settings).toMatchObject({ sudo: true, batch: { size: 1, max_size: 10, sleep_seconds: 0 }, timeouts: { run_seconds: 1800, toggle_seconds: 420 }, max_hosts: 64 });
    expect(settings.aliases).toContain('maps-canary');
  });

  it.each([
    ['an unanchored host pattern', { host_pattern: 'maps\\d+' }],
    ['a host pattern that does not compile', { host_pattern: '^maps(\\d+$' }],
    ['a default batch above the cap', { batch: { size: 20, max_size: 10 } }],
    ['an alias with a space', { aliases: ['maps eqiad'] }],
    ['no aliases: they are the service\'s own, so there is no default', { aliases: undefined }],
  ])('refuses %s', (_label, extra) => {
    expect(puppetSettingsSchema.safeParse({ host: { kind: 'local' }, ...KARTOTHERIAN_PUPPET, ...extra }).success).toBe(false);
  });
});
