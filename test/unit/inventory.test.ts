import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import type { ServiceConfig } from '../../config/schema.js';
import { Inventory } from '../../core/inventory.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { cutoverErrorFrom } from '../helpers/fakes.js';

const config = await loadShippedConfig();
const inventory = shippedInventories(config).get('kartotherian') as Inventory;

// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Wikikube as it really is: control-plane hosts next to the workers, so `wikikube1001` could mean either. */
function wikikubeWithControlPlane(): ServiceConfig {
  const text = [
    'services:',
    '  tegola:',
    '    datacenters: [eqiad]',
    '    host_groups:',
    '      workers: { kind: k8s-worker, default_lvs_service: tegola-k8s, hosts: { eqiad: [wikikube-worker1001.eqiad.wmnet, wikikube-worker1002.eqiad.wmnet] } }',
    '      control: { kind: k8s-worker, hosts: { eqiad: [wikikube-ctrl1001.eqiad.wmnet] } }',
    '    lvs_services:',
    '      tegola-k8s: { port: 4105, tls: true, conftool: { cluster: kubernetes, service: tegola }, depool_threshold: 0.5, members: [workers] }',
    'people: {}',
    'backends: { pooling: { kind: simulated } }',
    'transports: {}',
  ].join('\n');
  return parseConfig(text, 'tegola.yaml').services.tegola as ServiceConfig;
}

describe('Inventory', () => {
  it('lists every configured host once, with its short name, DC, group and kind', () => {
    expect(inventory.hosts).toHaveLength(20);
    expect(inventory.hosts.find((host) => host.fqdn === 'wikikube-worker2003.codfw.wmnet')).toEqual({
      fqdn: 'wikikube-worker2003.codfw.wmnet',
      shortName: 'wikikube-worker2003',
      dc: 'codfw',
      group: 'wikikube',
      kind: 'k8s-worker',
    });
  });

  it('knows which hosts may be members of a pool, per DC', () => {
    expect(inventory.members('kartotherian-ssl', 'eqiad').map((host) => host.shortName)).toEqual(['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010']);
    expect(inventory.members('kartotherian-k8s-ssl', 'codfw')).toHaveLength(10);
  });
});

describe('Inventory.resolveHost', () => {
  it.each([
    ['wikikube1001', 'wikikube-worker1001.eqiad.wmnet'],
    ['maps1005', 'maps1005.eqiad.wmnet'],
    ['maps1005.eqiad.wmnet', 'maps1005.eqiad.wmnet'],
    ['wikikube-worker1003.eqiad.wmnet', 'wikikube-worker1003.eqiad.wmnet'],
    ['MAPS1005', 'maps1005.eqiad.wmnet'],
    ['Maps2007.CODFW.wmnet', 'maps2007.codfw.wmnet'],
    ['maps1005.eqiad', 'maps1005.eqiad.wmnet'],
    ['wikikube-worker2001', 'wikikube-worker2001.codfw.wmnet'],
    ['wikikube2004', 'wikikube-worker2004.codfw.wmnet'],
    ['wikikube-1002', 'wikikube-worker1002.eqiad.wmnet'],
    ['wikikube1001.eqiad', 'wikikube-worker1001.eqiad.wmnet'],
    ['  maps1006  ', 'maps1006.eqiad.wmnet'],
  ])('resolves %j to %s', (typed, fqdn) => {
    expect(inventory.resolveHost(typed).fqdn).toBe(fqdn);
  });

  it('refuses a host in the wrong DC rather than guessing', () => {
    expect(cutoverErrorFrom(() => inventory.resolveHost('maps1005.codfw')).code).toBe('input.unknown-host');
    expect(cutoverErrorFrom(() => inventory.resolveHost('wikikube1001.codfw')).code).toBe('input.unknown-host');
  });

  it('refuses an unknown host with suggestions', () => {
    const error = cutoverErrorFrom(() => inventory.resolveHost('maps9999'));
    expect(error.code).toBe('input.unknown-host');
    // 9xxx names no DC, so both DCs' maps hosts are offered, nearest number first.
    expect(error.message).toBe('“maps9999” is not a host of this service. Did you mean: maps2010, maps2009, maps2008, maps2007, maps2006, maps2005?');
  });

  describe('suggestions stay in the DC the name points at', () => {
    // Regression: `wikikube1009` offered "maps1009, wikikube-worker1001, …, wikikube-worker1004,
    // wikikube-worker2001", a codfw worker for a name that can only mean eqiad.
    it.each([
      ['wikikube1009', 'wikikube-worker1004, wikikube-worker1003, wikikube-worker1002, wikikube-worker1001, maps1009'],
      ['wikikube-worker1009', 'wikikube-worker1004, wikikube-worker1003, wikikube-worker1002, wikikube-worker1001, maps1009'],
      ['wikikube-worker2007', 'wikikube-worker2004, wikikube-worker2003, wikikube-worker2002, wikikube-worker2001, maps2007'],
      ['maps1011', 'maps1010, maps1009, maps1008, maps1007, maps1006, maps1005'],
      // A DC named outright wins over the number: the person said codfw.
      ['wikikube1001.codfw', 'wikikube-worker2001, wikikube-worker2002, wikikube-worker2003, wikikube-worker2004'],
      ['wikikube1009.eqiad', 'wikikube-worker1004, wikikube-worker1003, wikikube-worker1002, wikikube-worker1001, maps1009'],
    ])('%s → %s', (typed, suggested) => {
      const error = cutoverErrorFrom(() => inventory.resolveHost(typed));
      expect(error.code).toBe('input.unknown-host');
      expect(error.message).toBe(`“${typed}” is not a host of this service. Did you mean: ${suggested}?`);
    });

    it('offers the other DC when the meant one has nothing like it', () => {
      const error = cutoverErrorFrom(() => inventory.resolveHost('worker2001.eqiad'));
      expect(error.message).toContain('Did you mean: wikikube-worker2001?');
    });
  });

  it('suggests by number when the letters are off', () => {
    const error = cutoverErrorFrom(() => inventory.resolveHost('worker1001'));
    expect(error.code).toBe('input.unknown-host');
    expect(error.message).toContain('Did you mean: wikikube-worker1001?');
  });

  it('does not read a one-letter shorthand as a prefix of everything', () => {
    expect(cutoverErrorFrom(() => inventory.resolveHost('w1001')).code).toBe('input.unknown-host');
  });

  it('refuses a shorthand that matches several hosts, listing them', () => {
    const tegola = new Inventory('tegola', wikikubeWithControlPlane());
    const error = cutoverErrorFrom(() => tegola.resolveHost('wikikube1001'));
    expect(error.code).toBe('input.ambiguous-host');
    expect(error.message).toBe('“wikikube1001” matches 2 hosts: wikikube-worker1001.eqiad.wmnet, wikikube-ctrl1001.eqiad.wmnet. Say which one.');
    // The full short names still resolve.
    expect(tegola.resolveHost('wikikube-ctrl1001').group).toBe('control');
    expect(tegola.resolveHost('wikikube-worker1001').group).toBe('workers');
    expect(tegola.resolveHost('wikikube1002').fqdn).toBe('wikikube-worker1002.eqiad.wmnet');
  });

  describe('hostile input', () => {
    const hostile: [label: string, typed: string][] = [
      ['shell command', 'maps1005; rm -rf /'],
      ['command substitution', '$(whoami)'],
      ['backticks', '`id`'],
      ['NUL byte', 'maps1005\u0000'],
      ['IRC colour code', '\u00034maps1005'],
      ['bidi override', 'maps\u202e5001'],
      ['zero-width space', 'maps\u200b1005'],
      ['Cyrillic a look-alike', 'm\u0430ps1005'],
      ['fullwidth digits', 'maps\uff11\uff10\uff10\uff15'],
      ['10 kB', 'a'.repeat(10_000)],
      ['10 kB of control characters', '\u0007'.repeat(10_000)],
      ['empty', ''],
      ['only spaces', '   '],
      ['path traversal', '../../etc/passwd'],
      ['absolute path', '/conftool/v1/pools/eqiad/maps/kartotherian/maps1005.eqiad.wmnet'],
      ['glob', 'maps*'],
      ['cumin node set', 'maps[1005-1006]'],
      ['an option', '--service'],
      ['Slack broadcast', '<!channel>'],
      ['emoji', '\u{1F5FA}\uFE0F1005'],
      ['URL', 'http://maps1005.eqiad.wmnet/'],
      ['longest valid-looking label', 'a'.repeat(253)],
      ['another domain', 'maps1005.eqiad.wmnet.evil.example'],
    ];

    it.each(hostile)('refuses %s without echoing anything unprintable', (_label, typed) => {
      const error = cutoverErrorFrom(() => inventory.resolveHost(typed));
      expect(['input.invalid', 'input.unknown-host']).toContain(error.code);
      expect(error.message).not.toMatch(CONTROL);
      expect(error.message).not.toContain('<!');
      expect(error.message.length).toBeLessThanOrEqual(300);
    });
  });
});

describe('Inventory.choosePool', () => {
  const worker = inventory.resolveHost('wikikube1001');
  const maps = inventory.resolveHost('maps1005');

  it('puts a worker in its group default, kartotherian-k8s-ssl, in its own DC', () => {
    expect(inventory.choosePool(worker, undefined)).toEqual({ lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' });
    expect(inventory.choosePool(inventory.resolveHost('wikikube2002'), undefined).dc).toBe('codfw');
  });

  it('makes a maps host say which of its three services', () => {
    const error = cutoverErrorFrom(() => inventory.choosePool(maps, undefined));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toBe('maps1005 is in 3 LVS services (kartotherian, kartotherian-ssl, kartotherian-k8s-ssl); say which with --service.');
  });

  it('takes the service a maps host is told', () => {
    expect(inventory.choosePool(maps, 'kartotherian-ssl')).toEqual({ lvsService: 'kartotherian-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-ssl' });
  });

  it('refuses to put a worker in a pool its group is not a member of', () => {
    const error = cutoverErrorFrom(() => inventory.choosePool(worker, 'kartotherian'));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toContain('wikikube-worker1001 cannot be pooled in kartotherian');
    expect(error.message).toContain('may join: kartotherian-k8s-ssl');
  });

  it('refuses an unknown LVS service, listing the known ones', () => {
    const error = cutoverErrorFrom(() => inventory.choosePool(maps, 'kartotherian-tls'));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toBe('Unknown LVS service "kartotherian-tls". Known: kartotherian, kartotherian-ssl, kartotherian-k8s-ssl.');
  });

  // Regression: lvsService() indexed a plain object, so `constructor` (a valid slug that passes
  // lvsServiceArg) found Object.prototype.constructor and the code crashed with a TypeError.
  it('refuses an LVS service named constructor like any unknown name', () => {
    expect(cutoverErrorFrom(() => inventory.choosePool(maps, 'constructor')).code).toBe('input.invalid');
  });

  it('lvsService("constructor") refuses instead of returning a function', () => {
    expect(cutoverErrorFrom(() => inventory.lvsService('constructor')).code).toBe('input.invalid');
  });
});
