import * as z from 'zod';

/**
 * `backends.production`: what the plan needs beyond each adapter's own settings, for one service.
 * The pybal restart is the `sre.loadbalancer.restart-pybal` cookbook; its argv is configuration
 * because cookbook flags change more often than this bot. The public URL, certificate names and
 * VIPs are the service's own and have no default.
 */
export const productionSettingsSchema = z.strictObject({
  probes: z.strictObject({
    /** The URL users fetch, e.g. a real tile or thumbnail: its host is the Host header and SNI of every probe. */
    public_url: z.url({ protocol: /^https$/ }),
    /** Names the service's certificate must cover, e.g. the public name and the discovery name. */
    expected_names: z.array(z.string()).min(1),
    /** The service's VIP per DC. */
    vips: z.record(z.string(), z.string()),
    timeout_ms: z.int().min(100).max(60_000).default(5000),
    /** Real requests per target: through the VIP, and to each worker when a step proves workers. */
    vip_attempts: z.int().min(1).max(20).default(5),
    /** PEM of the CA that signs the service certificates (the Puppet CA), read by the loader from `ca_file`. */
    ca: z.string().optional(),
  }),
  pybal_restart: z.strictObject({
    /** Per DC, the LVS hosts in restart order: secondary first. */
    order: z.record(z.string(), z.array(z.string()).min(1)),
    argv: z.array(z.string()).min(1).default(['sudo', '-n', 'cookbook', 'sre.loadbalancer.restart-pybal', '--query', 'P{{host}}', '--reason', '{reason}']),
    timeout_ms: z.int().min(1000).default(600_000),
  }),
  /** The rate() window of health queries. */
  window: z.string().regex(/^\d+[smh]$/).default('5m'),
});
export type ProductionSettings = z.infer<typeof productionSettingsSchema>;
