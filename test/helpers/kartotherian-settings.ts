/**
 * What the config gives Kartotherian's backends (derived from the service, or written in the
 * production example), for tests that build one adapter's settings by hand. The adapters have
 * no service's name built in; config.test.ts checks these against what the config resolves.
 */
export const KARTOTHERIAN_RELEASE = {
  release_dir: '/srv/deployment-charts/helmfile.d/services/kartotherian',
  namespace: 'kartotherian',
  app: 'kartotherian',
  nodeports: { tls: 6543 },
} as const;

export const KARTOTHERIAN_LABELS = { namespace: 'kartotherian', cluster: 'maps', service: 'kartotherian', discovery: 'kartotherian.discovery.wmnet' } as const;

export const KARTOTHERIAN_PUPPET = {
  aliases: ['maps', 'maps-eqiad', 'maps-codfw', 'maps-canary', 'wikikube-worker-eqiad', 'wikikube-worker-codfw'],
  host_pattern: '^(maps[12]\\d{3}|wikikube-worker[12]\\d{3}|kubernetes[12]\\d{3})\\.(eqiad|codfw)\\.wmnet$',
};

export const KARTOTHERIAN_PROBES = {
  public_url: 'https://maps.wikimedia.org/osm-intl/6/23/24.png',
  expected_names: ['maps.wikimedia.org', 'kartotherian.discovery.wmnet'],
};
