import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig, readEnvSettings } from '../../config/load.js';
import { loadShippedConfig } from '../helpers/config.js';
import { cutoverErrorFrom } from '../helpers/fakes.js';

const shippedText = await readFile(DEFAULT_CONFIG_PATH, 'utf8');

/** Replaces `from` with `to` in the shipped YAML, failing loudly if the anchor text moved. */
function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`config/kartotherian.yaml no longer contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

describe('the shipped config', () => {
  it('parses, with the Kartotherian service, its three LVS services and four people', async () => {
    const config = await loadShippedConfig();
    const service = config.services.kartotherian;
    expect(service).toBeDefined();
    expect(service?.datacenters).toEqual(['eqiad', 'codfw']);
    expect(Object.keys(service?.lvs_services ?? {})).toEqual(['kartotherian', 'kartotherian-ssl', 'kartotherian-k8s-ssl']);
    expect(service?.lvs_services['kartotherian-k8s-ssl']).toMatchObject({ port: 6543, tls: true, depool_threshold: 0.5, members: ['maps', 'wikikube'] });
    expect(service?.host_groups.wikikube?.default_lvs_service).toBe('kartotherian-k8s-ssl');
    expect(service?.approval).toEqual({ approvers_required: 1, ttl_seconds: 900, require_reason: false });
    expect(Object.keys(config.people)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(config.access.read_only).toBe('anyone');
    expect(config.transports.console?.speaker).toBe('alice');
  });

  it('is what loadConfig() reads by default', async () => {
    expect(await loadConfig()).toEqual(parseConfig(shippedText, 'kartotherian.yaml'));
  });

  it('fills in defaults for everything optional', () => {
    const minimal = [
      'services:',
      '  kartotherian:',
      '    datacenters: [eqiad]',
      '    host_groups:',
      '      maps: { kind: bare-metal, hosts: { eqiad: [maps1005.eqiad.wmnet] } }',
      '    lvs_services:',
      '      kartotherian: { port: 6533, tls: false, conftool: { cluster: maps, service: kartotherian }, depool_threshold: 0.5, members: [maps] }',
      'people: {}',
      'backends: { pooling: { kind: simulated } }',
      'transports: {}',
    ].join('\n');
    const config = parseConfig(minimal, 'minimal.yaml');
    expect(config.services.kartotherian?.approval).toEqual({ approvers_required: 1, ttl_seconds: 900, require_reason: false });
    expect(config.services.kartotherian?.default_weight).toBe(10);
    expect(config.redis).toEqual({ prefix: 'cutover', autostart: true, wait_replicas: 0, wait_timeout_ms: 500 });
    expect(config.access).toEqual({ read_only: 'anyone', command_limits: { stranger: { burst: 5, every_seconds: 3 }, channel_strangers: { burst: 10, every_seconds: 2 }, person: { burst: 20, every_seconds: 1 } } });
    expect(config.state_dir).toBe('.state');
    expect(config.shutdown_grace_seconds).toBe(30);
  });
});

describe('loadConfig', () => {
  it('refuses a file that does not exist with config.unreadable', async () => {
    await expect(loadConfig('/nonexistent/cutover.yaml')).rejects.toMatchObject({ name: 'CutoverError', code: 'config.unreadable' });
  });
});

describe('parseConfig on a bad config', () => {
  const bad = [
    ['state_dir: .state', 'state_dir: .state\ncolour: blue'],
    ['port: 6533', 'port: 70000'],
    ['members: [maps, wikikube]', 'members: [maps, wikikube, mapz]'],
    ['maps1010.eqiad.wmnet]', 'maps1010.eqiad.wmnet, maps2011.codfw.wmnet]'],
    ['roles: { kartotherian: [viewer] }', 'roles: { kartotherian: [viewer], tegola: [operator] }'],
    ['slack: U01BOB000', 'slack: bob'],
    ['speaker: alice', 'speaker: mallory'],
  ].reduce((text, [from = '', to = '']) => edit(text, from, to), shippedText);

  it('refuses with config.invalid and names the path of every bad key, and why', () => {
    const error = cutoverErrorFrom(() => parseConfig(bad, 'bad.yaml'));
    expect(error.code).toBe('config.invalid');
    expect(error.message).toMatch(/^bad\.yaml is invalid:\n/);
    const problems = error.message.split('\n').slice(1);
    const expected: [path: string, why: RegExp][] = [
      ['(top level)', /unrecognized key.*"colour"/i],
      ['services.kartotherian.lvs_services.kartotherian.port', /65535/],
      ['services.kartotherian.lvs_services.kartotherian-k8s-ssl.members.2', /unknown host group "mapz"/],
      ['services.kartotherian.host_groups.maps.hosts.eqiad.6', /maps2011\.codfw\.wmnet.*listed under eqiad.*\.eqiad\.wmnet/],
      ['people.dave.roles.tegola', /unknown service "tegola"/],
      ['people.bob.slack', /Slack user id/],
      ['transports.console.speaker', /unknown person "mallory"/],
    ];
    for (const [path, why] of expected) {
      const line = problems.find((problem) => problem.startsWith(`  ✖ ${path}: `));
      expect(line, `no problem reported at ${path} in:\n${error.message}`).toBeDefined();
      expect(line).toMatch(why);
    }
    expect(problems).toHaveLength(expected.length);
  });

  it('refuses duplicate YAML keys as a YAML error that points at the line', () => {
    const duplicated = edit(shippedText, '  bob:\n    irc: bob\n', '  bob:\n    irc: bob\n    irc: robert\n');
    const error = cutoverErrorFrom(() => parseConfig(duplicated, 'dup.yaml'));
    expect(error.code).toBe('config.invalid');
    expect(error.message).toMatch(/^dup\.yaml is not valid YAML:\n/);
    expect(error.message).toMatch(/unique.*line \d+/i);
  });

  it('refuses text that is not YAML at all', () => {
    expect(cutoverErrorFrom(() => parseConfig('services: [unclosed', 'broken.yaml')).code).toBe('config.invalid');
  });

  it('refuses an empty file, saying what is missing', () => {
    const error = cutoverErrorFrom(() => parseConfig('', 'empty.yaml'));
    expect(error.code).toBe('config.invalid');
    expect(error.message).toContain('empty.yaml');
  });

  it('refuses a seed for an LVS service that does not exist', () => {
    const seeded = edit(shippedText, 'kartotherian-ssl: { maps: { pooled: "yes", weight: 10 } }', 'kartotherian-tls: { maps: { pooled: "yes", weight: 10 } }');
    expect(cutoverErrorFrom(() => parseConfig(seeded, 'seed.yaml')).message).toMatch(/backends\.pooling\.seed\.kartotherian-tls: unknown LVS service/);
  });

  it('refuses a default_lvs_service the service does not have', () => {
    const text = edit(shippedText, 'default_lvs_service: kartotherian-k8s-ssl', 'default_lvs_service: kartotherian-k8s');
    expect(cutoverErrorFrom(() => parseConfig(text, 'x.yaml')).message).toMatch(/host_groups\.wikikube\.default_lvs_service: unknown LVS service "kartotherian-k8s"/);
  });

  // Regression: config/schema.ts checked cross-references with `name in record`, which also
  // finds Object.prototype members. `constructor` is a valid slug, so these typos passed
  // validation (and a seed named constructor escaped parseConfig as a raw TypeError).
  it('refuses names that only exist on Object.prototype (default_lvs_service: constructor)', () => {
    const text = edit(shippedText, 'default_lvs_service: kartotherian-k8s-ssl', 'default_lvs_service: constructor');
    expect(cutoverErrorFrom(() => parseConfig(text, 'x.yaml')).message).toMatch(/default_lvs_service: unknown LVS service "constructor"/);
  });

  it('refuses a console speaker named constructor, who is not a person', () => {
    const text = edit(shippedText, 'speaker: alice', 'speaker: constructor');
    expect(cutoverErrorFrom(() => parseConfig(text, 'x.yaml')).message).toMatch(/transports\.console\.speaker: unknown person "constructor"/);
  });

  it('refuses a seed for an LVS service named constructor with config.invalid, not a TypeError', () => {
    const text = edit(shippedText, 'kartotherian-ssl: { maps: { pooled: "yes", weight: 10 } }', 'constructor: { maps: { pooled: "yes", weight: 10 } }');
    expect(cutoverErrorFrom(() => parseConfig(text, 'x.yaml')).message).toMatch(/backends\.pooling\.seed\.constructor: unknown LVS service/);
  });
});

describe('readEnvSettings', () => {
  it('defaults to a local Redis and warn-level logs', () => {
    expect(readEnvSettings({})).toEqual({ redisUrl: 'redis://127.0.0.1:6379', logLevel: 'warn' });
  });

  it('takes REDIS_URL and LOG_LEVEL from the environment', () => {
    expect(readEnvSettings({ REDIS_URL: 'rediss://cache.example.org:6380/2', LOG_LEVEL: 'debug' })).toEqual({
      redisUrl: 'rediss://cache.example.org:6380/2',
      logLevel: 'debug',
    });
  });

  it.each(['http://127.0.0.1:6379', 'localhost:6379', 'not a url', ''])('refuses REDIS_URL=%j', (url) => {
    const error = cutoverErrorFrom(() => readEnvSettings({ REDIS_URL: url }));
    expect(error.code).toBe('config.invalid');
    expect(error.message).toContain('REDIS_URL');
  });

  it('never echoes a refused REDIS_URL, which may carry a password', () => {
    const error = cutoverErrorFrom(() => readEnvSettings({ REDIS_URL: 'http://:hunter2@cache.example.org:6379' }));
    expect(error.message).not.toContain('hunter2');
  });

  it('refuses an unknown LOG_LEVEL', () => {
    expect(cutoverErrorFrom(() => readEnvSettings({ LOG_LEVEL: 'verbose' })).message).toContain('LOG_LEVEL');
  });
});
