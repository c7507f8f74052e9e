import * as z from 'zod';
import { outboxSettingsSchema } from '../outbox/settings.js';
import { probeSecondsSchema } from '../probe-settings.js';

/** The service account token's environment variable; `secrets.grafana_token_file` stands in for it. */
export const GRAFANA_TOKEN_ENV = 'GRAFANA_TOKEN';

/** For config/schema.ts `secrets` (merged by the integrator, as config/secret-files.ts maps it to GRAFANA_TOKEN). */
export const grafanaSecretsSchema = z.strictObject({ grafana_token_file: z.string().min(1) }).partial();

export const grafanaSettingsSchema = z.strictObject({
  /** e.g. https://grafana-rw.wikimedia.org; the API is at <url>/api/annotations. */
  url: z.url({ protocol: /^https?$/ }).refine((raw) => new URL(raw).search === '' && new URL(raw).username === '', { error: 'scheme, host and path only' }),
  /** Pin the annotations to one dashboard; without it they are organisation-wide and any dashboard's tag query shows them. */
  dashboard_uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/).optional(),
  timeout_ms: z.int().min(100).max(120_000).default(10_000),
  outbox: outboxSettingsSchema.prefault({}),
  /** How long what was last seen of it stays fresh for status, and the least time between two probes (adapters/probe-settings.ts). */
  probe_seconds: probeSecondsSchema,
});
export type GrafanaSettings = z.infer<typeof grafanaSettingsSchema>;
