import { createPrometheusClient, type FetchLike, type PrometheusClient } from './prometheus-client.js';
import type { MetricsSettings } from './settings.js';
import { renderTemplate } from './templates.js';

/**
 * One client per datacenter, made on first use: base_url may name the DC (a per-DC Prometheus)
 * or not (Thanos answers for all of them).
 */
export function prometheusClientsByDc(settings: Pick<MetricsSettings, 'base_url' | 'timeout_ms'>, options: { fetch?: FetchLike } = {}): (dc: string) => PrometheusClient {
  const clients = new Map<string, PrometheusClient>();
  return (dc) => {
    const baseUrl = renderTemplate(settings.base_url, { dc }, 'base_url');
    let client = clients.get(baseUrl);
    if (client === undefined) {
      client = createPrometheusClient({ baseUrl, timeoutMs: settings.timeout_ms, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
      clients.set(baseUrl, client);
    }
    return client;
  };
}
