import * as z from 'zod';
import { probeSecondsSchema } from '../probe-settings.js';

/** A lock name template: {fqdn}, {short} (the first label) and {dc} (the second) are filled in per host. */
const lockNameTemplate = z.string().regex(/^[A-Za-z0-9_.:{}@[\],-]{1,200}$/, { error: 'a spicerack lock name (no "/"), with {fqdn}, {short} or {dc}' });

/**
 * Spicerack-compatible cookbook locks in conftool's etcd (the same cluster: spicerack's etcd
 * config points at it). The bot reuses the pooling backend's etcd endpoints and credentials.
 */
export const spicerackLocksSettingsSchema = z.strictObject({
  /**
   * The cookbook lock the bot takes on a host before changing it (prefix `cookbooks`), so a run of
   * that cookbook on the host waits for the bot. `sre.k8s.pool-depool-node` locks
   * `<cookbook>:<str(NodeSet)>`, which for one host is its FQDN, with concurrency 1 and TTL 600 s.
   */
  take: lockNameTemplate.default('sre.k8s.pool-depool-node:{fqdn}'),
  /**
   * Locks that cover a host without naming it, checked besides every lock whose suffix (after the
   * first `:`) is a node set containing the host's FQDN or short name (per-host cookbooks:
   * pool-depool-node, reboot-single, reimage, powercycle, decommission, upgrade-firmware).
   */
  also_blocked_by: z
    .array(lockNameTemplate)
    .default(['sre.maps.roll-restart-reboot', 'sre.maps.roll-restart-reboot-master']),
  /** The bot's lock's TTL; the release normally comes first, the TTL covers a bot that died holding it. */
  ttl_seconds: z.int().min(15).max(86_400).default(600),
  /** How the deployed spicerack writes `created` (adapters/spicerack/created-time.ts). */
  created_style: z.enum(['aware', 'naive']).default('aware'),
  /** spicerack's etcd writer lock: attempts, linearly spaced (delay, 2×delay, …); it expires 15 s after a writer dies. */
  writer_lock: z
    .strictObject({
      tries: z.int().min(1).max(30).default(8),
      delay_ms: z.int().min(10).max(10_000).default(500),
    })
    .prefault({}),
  /** How long what was last seen of etcd stays fresh for status, and the least time between two probes (adapters/probe-settings.ts). */
  probe_seconds: probeSecondsSchema,
});
export type SpicerackLocksSettings = z.infer<typeof spicerackLocksSettingsSchema>;
