import * as z from 'zod';
import { outboxSettingsSchema } from '../outbox/settings.js';
import { probeSecondsSchema } from '../probe-settings.js';

/** The API token's environment variable; `secrets.phabricator_token_file` stands in for it. */
export const PHABRICATOR_TOKEN_ENV = 'PHABRICATOR_TOKEN';

/** For config/schema.ts `secrets` (merged by the integrator, as config/secret-files.ts maps it to PHABRICATOR_TOKEN). */
export const phabricatorSecretsSchema = z.strictObject({ phabricator_token_file: z.string().min(1) }).partial();

/** Conduit tokens are `api-` plus 28 characters; checked so a wrong variable is caught at start, not at the first comment. */
export const conduitTokenSchema = z.string().regex(/^(api|cli)-[a-z0-9]{28}$/, { error: 'a Conduit API token (api-…, 32 characters)' });

export const phabricatorSettingsSchema = z.strictObject({
  /** e.g. https://phabricator.wikimedia.org; Conduit is at <url>/api/<method>. */
  url: z.url({ protocol: /^https?$/ }).refine((raw) => new URL(raw).search === '' && new URL(raw).username === '', { error: 'scheme, host and path only' }),
  timeout_ms: z.int().min(100).max(120_000).default(15_000),
  outbox: outboxSettingsSchema.prefault({}),
  /** How long what was last seen of it stays fresh for status, and the least time between two probes (adapters/probe-settings.ts). */
  probe_seconds: probeSecondsSchema,
});
export type PhabricatorSettings = z.infer<typeof phabricatorSettingsSchema>;

/** A Maniphest task id as the bot's --task takes it. */
export const taskIdSchema = z.string().regex(/^T[1-9][0-9]{0,8}$/);
