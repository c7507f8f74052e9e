import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { labScrapeTargets } from '../../lab/prometheus/scrape-targets.js';
import { prometheusConfig } from '../../lab/servers/prometheus-config.js';
import { labTopology } from '../../lab/topology.js';
import { loadShippedConfig } from '../helpers/config.js';

const MONITORS = [
  { dc: 'eqiad', lvsHost: 'lvs1019.eqiad.wmnet', address: '127.20.3.1', instrumentationPort: 9090, nodeMetricsPort: 9100 },
  { dc: 'codfw', lvsHost: 'lvs2013.codfw.wmnet', address: '127.21.3.1', instrumentationPort: 9090, nodeMetricsPort: 9100 },
];

describe('the lab\'s scrape targets', () => {
  it('carry production\'s jobs and labels, Thanos\'s external labels as target labels', async () => {
    const targets = labScrapeTargets(labTopology(await loadShippedConfig()), MONITORS);
    expect(targets.find((target) => target.address === '127.20.2.1:16543')).toEqual({
      job: 'k8s-pods-tls',
      address: '127.20.2.1:16543',
      metricsPath: '/stats/prometheus',
      labels: { site: 'eqiad', prometheus: 'k8s', kubernetes_namespace: 'kartotherian', app: 'kartotherian', release: 'main' },
    });
    expect(targets.find((target) => target.address === '127.21.4.2:9122')).toMatchObject({ job: 'trafficserver-upload', metricsPath: '/metrics', labels: { cluster: 'cache_upload', site: 'codfw', prometheus: 'ops' } });
    expect(targets.find((target) => target.address === '127.20.3.1:9090')).toMatchObject({ job: 'pybal', labels: { cluster: 'lvs', site: 'eqiad', prometheus: 'ops' } });
    expect(targets.find((target) => target.address === '127.21.3.1:9100')).toMatchObject({ job: 'node', labels: { cluster: 'lvs', site: 'codfw', prometheus: 'ops' } });
    // No request metrics from bare metal.
    expect(targets.some((target) => target.address.startsWith('127.20.1.'))).toBe(false);
    expect(targets.filter((target) => target.job === 'k8s-pods-tls')).toHaveLength(8);
  });

  it('writes one scrape config per job with a static config per target', async () => {
    const config = parse(prometheusConfig(labScrapeTargets(labTopology(await loadShippedConfig()), MONITORS), 1)) as { scrape_configs: Array<{ job_name: string; static_configs: unknown[] }> };
    expect(config.scrape_configs.map((job) => [job.job_name, job.static_configs.length])).toEqual([
      ['k8s-pods-tls', 8],
      ['trafficserver-upload', 4],
      ['pybal', 2],
      ['node', 2],
    ]);
    expect(() => prometheusConfig([{ job: 'a', address: 'x:1', metricsPath: '/metrics', labels: {} }, { job: 'a', address: 'y:1', metricsPath: '/other', labels: {} }], 1)).toThrow(/two metrics paths/);
  });
});
