import * as z from 'zod';
import { probeSecondsSchema } from '../probe-settings.js';
import { parseSelector } from './matchers.js';

const selectorSchema = z.string().transform((text, ctx) => {
  const parsed = parseSelector(text);
  if (parsed.ok) return parsed.selector;
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

export const alertmanagerSettingsSchema = z.strictObject({
  /** e.g. http://alertmanager-eqiad.wikimedia.org; the API is at <url>/api/v2/. */
  url: z.url({ protocol: /^https?$/ }).refine((raw) => new URL(raw).search === '' && new URL(raw).username === '', { error: 'scheme, host and path only' }),
  /**
   * The service's alerts, each a selector like `{alertname="ATSBackendErrorsHigh", backend="kartotherian.discovery.wmnet"}`:
   * an alert matching any of them, active and not silenced, holds the plan until a person resumes it.
   */
  service_matchers: z.array(selectorSchema).default([]),
  /** Silence a bare-metal host's own alerts while the plan has it depooled. */
  silence_hosts: z.boolean().default(true),
  /**
   * How the `instance` label names a host: Wikimedia's node and host exporters use the short name
   * (`maps1005:9100`), so that is the default; `fqdn` for a setup that labels by FQDN.
   */
  instance_name: z.enum(['short', 'fqdn']).default('short'),
  timeout_ms: z.int().min(100).max(120_000).default(10_000),
  /** How long what was last seen of it stays fresh for status, and the least time between two probes (adapters/probe-settings.ts). */
  probe_seconds: probeSecondsSchema,
});
export type AlertmanagerSettings = z.infer<typeof alertmanagerSettingsSchema>;
