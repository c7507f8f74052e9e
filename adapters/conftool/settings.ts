import * as z from 'zod';
import { commandHostSchema } from '../command-runner.js';

const hostName = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,252}$/, { error: 'a host name' });
const datacenter = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'a datacenter name' });

/** An etcd client URL: http(s), host and port, nothing else. Credentials never live in config. */
const etcdEndpoint = z
  .url({ protocol: /^https?$/, error: 'an http(s) URL' })
  .refine((raw) => {
    const url = new URL(raw);
    return url.username === '' && url.password === '' && url.search === '' && url.hash === '' && (url.pathname === '/' || url.pathname === '');
  }, { error: 'scheme, host and port only: no path, query or credentials (the password comes from the environment)' });

/** conftool on etcd, through the v2 keys API that conftool and pybal use. */
export const etcdPoolingSettingsSchema = z.strictObject({
  kind: z.literal('etcd'),
  /** Tried in order; the next one is used when one refuses, resets or times out. */
  endpoints: z.array(etcdEndpoint).min(1),
  /** etcd v2 auth user; its password is passed in from the environment by whoever builds the backend. */
  username: z.string().regex(/^[a-z_][a-z0-9_-]{0,63}$/).optional(),
  /** Per HTTP request, per endpoint. */
  timeout_ms: z.int().min(100).max(60_000).default(5000),
});
export type EtcdPoolingSettings = z.infer<typeof etcdPoolingSettingsSchema>;

/** conftool through its own CLI, locally or on a cumin host over ssh. */
export const confctlPoolingSettingsSchema = z.strictObject({
  kind: z.literal('confctl'),
  host: commandHostSchema,
  /** Per confctl run. */
  timeout_ms: z.int().min(500).max(300_000).default(30_000),
  /** A program name looked up on PATH, or an absolute path. */
  confctl_path: z
    .string()
    .regex(/^(\/[A-Za-z0-9_.-]+)+$|^[A-Za-z0-9_.-]+$/, { error: 'a program name or an absolute path' })
    .default('confctl'),
});
export type ConfctlPoolingSettings = z.infer<typeof confctlPoolingSettingsSchema>;

/** The pooling backends that talk to a real conftool. */
export type ConftoolPoolingSettings = EtcdPoolingSettings | ConfctlPoolingSettings;

/** pybal's instrumentation endpoint on each LVS host, to see whether a pool change was applied. */
export const pybalSettingsSchema = z.strictObject({
  /** The LVS hosts that carry the service, per datacenter, e.g. { eqiad: [lvs1019.eqiad.wmnet, lvs1020.eqiad.wmnet] }. */
  lvs_hosts: z.record(datacenter, z.array(hostName).min(1)),
  port: z.int().min(1).max(65_535).default(9090),
  scheme: z.enum(['http', 'https']).default('http'),
  /** Per LVS host and request. */
  timeout_ms: z.int().min(100).max(60_000).default(3000),
  /** How long confirmApplied waits for every LVS host to show a change, and how often it asks. */
  confirm_timeout_ms: z.int().min(0).max(600_000).default(30_000),
  poll_interval_ms: z.int().min(50).max(60_000).default(1000),
});
export type PybalSettings = z.infer<typeof pybalSettingsSchema>;
