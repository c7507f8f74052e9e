import * as z from 'zod';
import { analysisSettingsSchema } from './analysis.js';

const slug = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'lowercase letters, digits and dashes' });
/** Cumin aliases and env names may name the DC as {dc}; nothing else is substituted. */
const dcTemplate = z.string().regex(/^[A-Za-z0-9:_.{}\-[\],]{1,120}$/, { error: 'a cumin selector or name, optionally with {dc}' });

export const gateSchema = z.enum(['none', 'one', 'two']);
export type Gate = z.infer<typeof gateSchema>;

/** Checks that prove a step did what it claims, with real requests where requests are possible. */
export const checkSchema = z.discriminatedUnion('check', [
  /** Every host of the group answers TLS on the port with the expected certificate names. */
  z.strictObject({ check: z.literal('tls-probe'), group: slug, port: z.int().min(1).max(65535) }),
  /** The VIP answers real requests on the LVS service's port. */
  z.strictObject({ check: z.literal('vip-probe'), lvs_service: slug }),
  /** pybal on every LVS host lists the group's pooled hosts as enabled and up. */
  z.strictObject({ check: z.literal('pybal-pool'), lvs_service: slug, group: slug }),
  /** The CDN sends its traffic to `to` and no longer to `from`, with no rise in 5xx. */
  // ATS keeps idle origin connections open after a reload (keep_alive_no_activity_timeout_out, 120 s by
  // default), so the old port drains over minutes: the check waits up to settle_seconds for it.
  z.strictObject({ check: z.literal('traffic-moved'), from: slug, to: slug, settle_seconds: z.number().min(0).max(3600).default(180) }),
  /** The release's pods are all ready and the NodePorts answer real requests on workers. */
  z.strictObject({ check: z.literal('release-ready') }),
  /** Workers pooled so far served real requests through the VIP path: probes plus metrics. */
  // Prometheus scrapes once a minute in production: a worker pooled a second ago has no rate yet, so
  // an inconclusive read (no metrics, no traffic yet) is taken again for up to settle_seconds.
  z.strictObject({ check: z.literal('real-traffic'), lvs_service: slug, group: slug, settle_seconds: z.number().min(0).max(3600).default(120) }),
]);
export type Check = z.infer<typeof checkSchema>;

const stepBase = {
  id: slug,
  title: z.string().min(1).max(120),
  gate: gateSchema.default('one'),
  /** Seconds of health analysis after the step before it counts as done (scaled by time_scale). */
  soak_seconds: z.number().min(0).default(0),
  analysis: analysisSettingsSchema.partial().optional(),
  verify: z.array(checkSchema).default([]),
};

const count = z.union([z.int().min(0), z.literal('rest')]);

export const stepSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...stepBase,
    kind: z.literal('puppet'),
    /** Cumin selector, e.g. "A:maps-{dc}". */
    selector: dcTemplate,
    batch_size: z.int().min(1).default(1),
    /** The puppet change this run applies (names it for the SAL and the simulated fleet). */
    applies: slug,
  }),
  z.strictObject({
    ...stepBase,
    kind: z.literal('lvs-service'),
    lvs_service: slug,
    applies: slug,
  }),
  z.strictObject({ ...stepBase, kind: z.literal('helm-deploy'), env: dcTemplate.default('{dc}') }),
  z.strictObject({
    ...stepBase,
    kind: z.literal('pool-workers'),
    lvs_service: slug,
    group: slug,
    count: z.int().min(1),
  }),
  z.strictObject({ ...stepBase, kind: z.literal('observe') }),
  z.strictObject({
    ...stepBase,
    kind: z.literal('waves'),
    lvs_service: slug,
    workers: slug,
    bare_metal: slug,
    waves: z.array(z.strictObject({ pool: count, depool: count })).min(1),
  }),
  z.strictObject({
    ...stepBase,
    kind: z.literal('retire-bare-metal'),
    lvs_service: slug,
    bare_metal: slug,
  }),
]);
export type PlanStep = z.infer<typeof stepSchema>;

export const planSchema = z
  .strictObject({
    name: slug,
    service: slug,
    task: z.string().regex(/^T\d{1,8}$/).optional(),
    /** One DC at a time, in this order. */
    datacenters: z.array(slug).min(1),
    /** Multiplies every soak and analysis interval: 0.01 rehearses a 15-minute soak in 9 s. */
    time_scale: z.number().positive().max(1).default(1),
    analysis: analysisSettingsSchema.prefault({}),
    steps: z.array(stepSchema).min(1),
  })
  .superRefine((plan, ctx) => {
    const seen = new Set<string>();
    plan.steps.forEach((step, index) => {
      if (seen.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `duplicate step id "${step.id}"` });
      seen.add(step.id);
      if (step.kind === 'retire-bare-metal' && step.gate !== 'two') {
        ctx.addIssue({ code: 'custom', path: ['steps', index, 'gate'], message: 'retiring bare metal needs two approvers' });
      }
    });
  });
export type Plan = z.infer<typeof planSchema>;
