import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERIES, metricsSettingsSchema } from '../../adapters/metrics/settings.js';
import { renderTemplate, templatePlaceholders, templateProblem, workerAddressPattern } from '../../adapters/metrics/templates.js';
import { isCutoverError, type CutoverError } from '../../core/errors.js';
import { KARTOTHERIAN_LABELS } from '../helpers/kartotherian-settings.js';

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const TEMPLATE = 'sum(rate(x{site="{{dc}}",port="{{port}}",svc=~"{{lvs_service}}"}[{{window}}]))';

describe('renderTemplate', () => {
  it('fills every placeholder in one pass', () => {
    expect(renderTemplate(TEMPLATE, { dc: 'eqiad', port: '6543', lvs_service: 'kartotherian-k8s-ssl', window: '5m' })).toBe(
      'sum(rate(x{site="eqiad",port="6543",svc=~"kartotherian-k8s-ssl"}[5m]))',
    );
  });

  it.each([
    ['dc', 'eqiad"} or vector(1) or x{a="'],
    ['dc', 'eqiad",site=~".*'],
    ['dc', 'eqiad\n'],
    ['dc', 'EQIAD'],
    ['dc', 'eqiad{{window}}'],
    ['dc', ''],
    ['dc', 'еqiad'],
    ['port', '6543|443'],
    ['port', '0'],
    ['port', '65.*'],
    ['worker_addresses', '10.64.0.1'],
    ['worker_addresses', '10\\\\.64\\\\.0\\\\.1\\'],
    ['worker_addresses', '10\\\\.64\\\\.0\\\\.1"} or vector(1) or x{a="1'],
    ['worker_addresses', '.*'],
    ['window', '5m]) or vector(1) or (x[5m'],
    ['window', '5m offset 1w'],
    ['window', '0s'],
    ['window', '5 m'],
    ['lvs_service', 'kartotherian.*'],
    ['lvs_service', 'a"}'],
  ])('refuses %s = %j as input.invalid, before rendering anything', (key, value) => {
    const values = { dc: 'eqiad', port: '443', lvs_service: 'kartotherian-ssl', window: '5m', [key]: value };
    const error = thrown(() => renderTemplate(TEMPLATE, values));

    expect(isCutoverError(error, 'input.invalid')).toBe(true);
    expect((error as CutoverError).message).toContain(key);
    expect((error as CutoverError).message).not.toContain('\n');
  });

  it('renders worker addresses with their dots escaped for the regex, inside the PromQL string', () => {
    expect(renderTemplate('x{remote_address=~"{{worker_addresses}}"}', { worker_addresses: workerAddressPattern(['10.64.16.12', '10.64.0.11', '2620:0:861:101::1a']) })).toBe(
      String.raw`x{remote_address=~"10\\.64\\.0\\.11|10\\.64\\.16\\.12|2620:0:861:101::1a"}`,
    );
  });

  it('accepts the durations people use', () => {
    for (const window of ['30s', '1m', '5m', '2h', '1d', '500ms']) {
      expect(renderTemplate('rate(x[{{window}}])', { window })).toBe(`rate(x[${window}])`);
    }
  });

  it('is a config error when the template needs a value the caller did not give', () => {
    const error = thrown(() => renderTemplate(TEMPLATE, { dc: 'eqiad', port: '443', window: '5m' }, 'error_ratio'));

    expect(isCutoverError(error, 'config.invalid')).toBe(true);
    expect((error as CutoverError).message).toBe('PromQL template error_ratio uses {{lvs_service}}, which this reading does not provide');
  });
});

describe('templateProblem', () => {
  it('names unknown placeholders and stray braces', () => {
    expect(templatePlaceholders(TEMPLATE)).toEqual(['dc', 'port', 'lvs_service', 'window']);
    expect(templateProblem('up{site="{{site}}"}')).toMatch(/^unknown placeholder \{\{site\}\}/);
    expect(templateProblem('up{site="{{ dc }}"}')).toMatch(/^unknown placeholder \{\{ dc \}\}/);
    expect(templateProblem('up{site="{{dc}"}')).toBe('unbalanced {{ or }} outside a placeholder');
    expect(templateProblem('rate(x[{{window}}])', ['dc'])).toMatch(/^unknown placeholder \{\{window\}\} \(allowed: \{\{dc\}\}\)/);
    expect(templateProblem(TEMPLATE)).toBeUndefined();
  });
});

describe('metricsSettingsSchema', () => {
  it('fills in the default templates, with the service\'s labels beside them', () => {
    const settings = metricsSettingsSchema.parse({ kind: 'prometheus', labels: KARTOTHERIAN_LABELS });

    expect(settings).toMatchObject({ base_url: 'https://thanos-query.discovery.wmnet', timeout_ms: 10_000, max_staleness_seconds: 180 });
    expect(settings.queries).toEqual(DEFAULT_QUERIES);
  });

  it('renders every default template into PromQL with nothing left over', () => {
    const values = { ...KARTOTHERIAN_LABELS, dc: 'eqiad', window: '5m', lvs_service: 'kartotherian-k8s-ssl', port: '6543', worker_addresses: workerAddressPattern(['10.64.0.11']) };
    for (const [name, template] of Object.entries(DEFAULT_QUERIES)) {
      const rendered = renderTemplate(template, values, name);
      expect(rendered, name).not.toMatch(/\{\{|\}\}/);
      expect(rendered.split('(').length, `${name} parentheses`).toBe(rendered.split(')').length);
    }
    expect(renderTemplate(DEFAULT_QUERIES.p99_latency_seconds, { ...KARTOTHERIAN_LABELS, dc: 'codfw', window: '1m' })).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(envoy_cluster_upstream_rq_time_bucket{site="codfw",prometheus="k8s",kubernetes_namespace="kartotherian",envoy_cluster_name="LOCAL_kartotherian"}[1m]))) / 1000',
    );
  });

  it('takes a k8s template and null to switch an optional query off', () => {
    const settings = metricsSettingsSchema.parse({
      kind: 'prometheus',
      labels: KARTOTHERIAN_LABELS,
      base_url: 'http://prometheus.svc.{{dc}}.wmnet/ops',
      queries: { request_rate: 'sum(rate(requests_total{ns="{{namespace}}",site="{{dc}}"}[{{window}}]))', freshness_seconds: null, pooled_down_servers: null },
    });

    expect(settings.queries.request_rate).toBe('sum(rate(requests_total{ns="{{namespace}}",site="{{dc}}"}[{{window}}]))');
    expect(settings.queries.freshness_seconds).toBeNull();
    expect(settings.queries.error_ratio).toEqual(DEFAULT_QUERIES.error_ratio);
  });

  it.each([
    [{ queries: { error_ratio: 'x{a="{{datacenter}}"}' } }, 'unknown placeholder {{datacenter}}'],
    [{ queries: { k8s_traffic_share: 'x{g="{{group}}"}' } }, 'unknown placeholder {{group}}'],
    [{ queries: { error_ratio: { k8s: 'x' } } }],
    [{ queries: { request_rate: { k8s: 'x', 'bare-metal': 'y' } } }, 'no bare-metal template'],
    [{ queries: { request_rate: 'x{g="{{group}}"}' } }, 'unknown placeholder {{group}}'],
    [{ queries: { latency: 'x' } }],
    [{ base_url: 'https://user:secret@thanos.example.org' }],
    [{ base_url: 'ftp://thanos.example.org' }],
    [{ base_url: 'http://prometheus.svc.{{port}}.wmnet' }],
    [{ timeout_ms: 0 }],
    [{ labels: { ...KARTOTHERIAN_LABELS, namespace: 'kartotherian"}' } }, 'namespace must be a Kubernetes namespace'],
    [{ labels: { namespace: 'kartotherian' } }],
  ])('refuses %j at config load', (patch, message?: string) => {
    const parsed = metricsSettingsSchema.safeParse({ kind: 'prometheus', labels: KARTOTHERIAN_LABELS, ...patch });

    expect(parsed.success).toBe(false);
    if (message !== undefined) expect(JSON.stringify(parsed.error?.issues)).toContain(message);
  });
});
