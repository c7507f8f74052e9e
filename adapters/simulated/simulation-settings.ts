import * as z from 'zod';
import { fleetFaultsSchema } from './fleet-model.js';

const slug = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/);

/** What each puppet change does in the simulated world, so plan steps have something to prove. */
const featureSchema = z.strictObject({
  /** nginx starts listening on this port on the group's hosts. */
  opens: z.strictObject({ group: slug, port: z.int().min(1).max(65535) }).optional(),
  /** pybal starts serving this LVS service on the VIP. */
  lvs_service: slug.optional(),
  /** The CDN now fetches from this LVS service. */
  cdn_to: slug.optional(),
});

/** The service's Wikikube release as the simulated helm deploys it; the config derives it from the service. */
const releaseSchema = z.strictObject({
  namespace: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/),
  /** The Deployment is `<app>-<name>`, as WMF charts name it. */
  app: slug,
  name: slug.default('main'),
  /** The NodePort the workers serve on: the port of the pool they join. */
  node_port: z.int().min(1).max(65535),
  replicas: z.int().min(1).max(1000).default(10),
});

/**
 * One service's simulated world. Like every backend block it may be written under `backends`
 * (shared by every service) and under `services.<name>.backends` (that service's own); the
 * config merges the two and derives what neither says from the service.
 */
export const simulationSettingsSchema = z.strictObject({
  release: releaseSchema,
  traffic: z
    .strictObject({
      requests_per_second: z.record(z.string(), z.number().min(0)).default({ eqiad: 800, codfw: 500 }),
      base_p99_seconds: z.strictObject({ 'bare-metal': z.number().positive(), k8s: z.number().positive() }).default({ 'bare-metal': 0.25, k8s: 0.2 }),
      base_error_ratio: z.number().min(0).max(1).default(0.0005),
    })
    .prefault({}),
  /** Ports open on each group before any plan step runs. */
  open_ports: z.record(slug, z.array(z.int())).default({}),
  /** The LVS service the CDN uses before the plan moves it. */
  cdn_from: slug,
  features: z.record(slug, featureSchema).default({}),
  faults: fleetFaultsSchema.prefault({}),
  /** LVS hosts per DC, primary first, as pybal's view and the LVS step name them. */
  lvs_hosts: z.record(z.string(), z.array(z.string()).min(1)).default({ eqiad: ['lvs1019.eqiad.wmnet', 'lvs1020.eqiad.wmnet'], codfw: ['lvs2013.codfw.wmnet', 'lvs2014.codfw.wmnet'] }),
  /** How long a hanging adapter call takes to give up, in ms. */
  adapter_timeout_ms: z.int().min(10).default(5000),
  /** How long each simulated conftool write takes, in ms: etcd is never instant, and a slow write lets a test stop a wave between two of them. */
  conftool_write_ms: z.int().min(0).max(60_000).default(0),
});
export type SimulationSettings = z.infer<typeof simulationSettingsSchema>;
