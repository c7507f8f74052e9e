import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from '../../config/load.js';
import { slashCommandOf } from '../../config/cross-service.js';
import { deepMerge } from '../../config/deep-merge.js';
import { cutoverErrorFrom } from '../helpers/fakes.js';
import { KARTOTHERIAN_LABELS, KARTOTHERIAN_PROBES, KARTOTHERIAN_RELEASE } from '../helpers/kartotherian-settings.js';

const TWO_SERVICES = new URL('../fixtures/two-services/config.yaml', import.meta.url).pathname;
const PRODUCTION = new URL('../../config/production.example.yaml', import.meta.url).pathname;
const twoText = await readFile(TWO_SERVICES, 'utf8');

type Yaml = Record<string, unknown>;

/** The two-service fixture as a raw YAML tree, edited, parsed; the problems it is refused with. */
function problemsWith(edit: (yaml: Yaml & { services: Record<string, Yaml>; backends: Yaml }) => void): string[] {
  const yaml = parse(twoText) as Yaml & { services: Record<string, Yaml>; backends: Yaml };
  edit(yaml);
  return cutoverErrorFrom(() => parseConfig(stringify(yaml), 'two.yaml')).message.split('\n').slice(1);
}

describe('two services in one config', () => {
  it('gives each service its own simulated world: pools, release, NodePort and timeouts, over shared defaults', async () => {
    const config = await loadConfig(TWO_SERVICES);
    const kartotherian = config.services['kartotherian']?.backends.simulation;
    const thumbor = config.services['thumbor']?.backends.simulation;

    expect(thumbor).toMatchObject({ cdn_from: 'thumbor', release: { namespace: 'thumbor', app: 'thumbor', name: 'main', node_port: 8800 }, adapter_timeout_ms: 300, features: {} });
    expect(thumbor?.traffic.requests_per_second).toEqual({ eqiad: 300 });
    expect(kartotherian).toMatchObject({ cdn_from: 'kartotherian-ssl', release: { namespace: 'kartotherian', node_port: 6543 }, adapter_timeout_ms: 5000 });
    expect(Object.keys(kartotherian?.features ?? {})).toEqual(['maps-nginx-tls-6543', 'lvs-kartotherian-k8s-ssl', 'ats-kartotherian-6543']);
    // The shared block reaches both; the shared blocks themselves are gone once merged.
    expect(thumbor?.lvs_hosts).toEqual(kartotherian?.lvs_hosts);
    expect(Object.keys(config.backends)).toEqual(['pooling']);
  });

  it('derives helm and metric labels per service, lays the shared block under each service\'s own, and lists replace', () => {
    const config = parseConfig(
      twoText
        .replace('  # Shared by both services.\n', '  helm: { host: { kind: local }, timeouts: { chart_seconds: 700, apply_seconds: 1000 } }\n  metrics: { kind: prometheus }\n  puppet: { host: { kind: local }, aliases: [cp-upload-eqiad], host_pattern: "^x$" }\n')
        .replace('        adapter_timeout_ms: 300\n', '        adapter_timeout_ms: 300\n      helm: { timeouts: { apply_seconds: 1200 } }\n      puppet: { aliases: [thumbor-eqiad] }\n      metrics: { labels: { service: thumbor-frontend } }\n'),
      'two.yaml',
    );
    const kartotherian = config.services['kartotherian']?.backends;
    const thumbor = config.services['thumbor']?.backends;

    expect(kartotherian?.helm).toMatchObject({ ...KARTOTHERIAN_RELEASE, host: { kind: 'local' }, timeouts: { chart_seconds: 700, apply_seconds: 1000 } });
    expect(thumbor?.helm).toMatchObject({ release_dir: '/srv/deployment-charts/helmfile.d/services/thumbor', namespace: 'thumbor', app: 'thumbor', nodeports: { tls: 8800 }, timeouts: { chart_seconds: 700, apply_seconds: 1200 } });
    expect(kartotherian?.metrics?.labels).toEqual(KARTOTHERIAN_LABELS);
    expect(thumbor?.metrics?.labels).toEqual({ namespace: 'thumbor', cluster: 'thumbor', service: 'thumbor-frontend', discovery: 'thumbor.discovery.wmnet' });
    expect(thumbor?.metrics?.queries).toEqual(kartotherian?.metrics?.queries);
    expect(kartotherian?.puppet?.aliases).toEqual(['cp-upload-eqiad']);
    expect(thumbor?.puppet?.aliases).toEqual(['thumbor-eqiad']);
    expect(thumbor?.production).toBeUndefined();
  });

  it('gives each service its slash command, /<name> unless configured', () => {
    expect(slashCommandOf({}, 'thumbor')).toBe('/thumbor');
    expect(slashCommandOf({ thumbor: '/thumbs' }, 'thumbor')).toBe('/thumbs');
    expect(slashCommandOf({ thumbor: '/thumbs' }, 'kartotherian')).toBe('/kartotherian');
  });

  it('refuses a shared value that names another service\'s pool, where it is written, naming the service it breaks', () => {
    const problems = problemsWith((yaml) => {
      yaml.backends['simulation'] = { cdn_from: 'kartotherian-ssl' };
    });
    expect(problems).toEqual(['  ✖ backends.simulation.cdn_from: unknown LVS service "kartotherian-ssl" (thumbor has thumbor) (for thumbor; override it under services.<name>.backends.simulation)']);
  });

  it('refuses a service\'s own bad reference at its own path, and asks for a missing value in either place', () => {
    const problems = problemsWith((yaml) => {
      const thumbor = yaml.services['thumbor'] as { backends: { simulation: Yaml } };
      thumbor.backends.simulation['open_ports'] = { maps: [443] };
      yaml.backends['production'] = { pybal_restart: { order: { eqiad: ['lvs1020.eqiad.wmnet'], codfw: ['lvs2014.codfw.wmnet'] } } };
    });
    expect(problems).toContain('  ✖ services.thumbor.backends.simulation.open_ports.maps: unknown host group "maps" (thumbor has thumbor, wikikube)');
    expect(problems).toContain(
      '  ✖ services.thumbor.backends.production.probes: Invalid input: expected object, received undefined (set it under services.thumbor.backends.production, or under backends.production for every service)',
    );
    expect(problems).toContain(
      '  ✖ services.kartotherian.backends.production.probes: Invalid input: expected object, received undefined (set it under services.kartotherian.backends.production, or under backends.production for every service)',
    );
  });

  it('says a bad shared value once, naming every service it breaks, and refuses unknown keys in a block', () => {
    const problems = problemsWith((yaml) => {
      yaml.backends['simulation'] = { adapter_timeout_ms: 1, conftool_write_ms: -1 };
      yaml.backends['helm'] = { host: { kind: 'local' }, colour: 'blue' };
    });
    expect(problems).toContain('  ✖ backends.simulation.conftool_write_ms: Too small: expected number to be >=0 (for kartotherian, thumbor; override it under services.<name>.backends.simulation)');
    // Thumbor overrides the timeout with its own, so only Kartotherian takes the bad shared one.
    expect(problems).toContain('  ✖ backends.simulation.adapter_timeout_ms: Too small: expected number to be >=10 (for kartotherian; override it under services.<name>.backends.simulation)');
    expect(problems).toContain('  ✖ backends.helm: Unrecognized key: "colour"');
    expect(problems.filter((line) => line.includes('conftool_write_ms'))).toHaveLength(1);
  });

  it('refuses two services on one conftool pool, and slash commands that collide or name no service', () => {
    const problems = problemsWith((yaml) => {
      const thumbor = yaml.services['thumbor'] as { lvs_services: { thumbor: Yaml } };
      thumbor.lvs_services.thumbor['conftool'] = { cluster: 'maps', service: 'kartotherian' };
      (yaml['transports'] as Yaml)['slack'] = { slash_commands: { thumbor: '/kartotherian', tegola: '/tegola' } };
    });
    expect(problems).toContain('  ✖ services.thumbor.lvs_services.thumbor.conftool: conftool pool maps/kartotherian already belongs to kartotherian');
    expect(problems).toContain('  ✖ transports.slack.slash_commands.thumbor: /kartotherian is already kartotherian\'s slash command');
    expect(problems).toContain('  ✖ transports.slack.slash_commands.tegola: unknown service "tegola"');
  });
});

describe('a single-service config', () => {
  it('resolves the same whether its simulation is written under the service or, as before, under backends', async () => {
    const shipped = parse(await readFile(DEFAULT_CONFIG_PATH, 'utf8')) as { services: { kartotherian: { backends?: Yaml } }; backends: Yaml };
    shipped.backends['simulation'] = shipped.services.kartotherian.backends?.['simulation'];
    delete shipped.services.kartotherian.backends;

    expect(parseConfig(stringify(shipped), 'old-shape.yaml')).toEqual(await loadConfig());
  });

  it('gives Kartotherian in the production example the release, labels and probes that used to be built in', async () => {
    const backends = parseConfig(await readFile(PRODUCTION, 'utf8'), PRODUCTION).services['kartotherian']?.backends;
    expect(backends?.helm).toMatchObject({ ...KARTOTHERIAN_RELEASE, release: 'main' });
    expect(backends?.metrics?.labels).toEqual(KARTOTHERIAN_LABELS);
    expect(backends?.production?.probes).toMatchObject(KARTOTHERIAN_PROBES);
  });
});

describe('deepMerge', () => {
  it('merges mappings key by key, the later layer winning; lists, scalars and null replace', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 'x', e: { f: 1 } }, { a: { c: [3] }, e: null })).toEqual({ a: { b: 1, c: [3] }, d: 'x', e: null });
  });

  it('keeps a __proto__ key from YAML a plain key', () => {
    const merged = deepMerge({}, parse('__proto__: { polluted: true }')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});
