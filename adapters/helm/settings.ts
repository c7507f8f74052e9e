import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import { printable } from '../../core/printable.js';
import { commandHostSchema } from '../command-runner.js';

/** Kubernetes object names (RFC 1123 labels): these become kubectl argv words and label selectors. */
export const k8sNameSchema = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: 'a Kubernetes name: lowercase letters, digits and -' });
/** helmfile environment names as deployment-charts uses them: staging, eqiad, codfw. */
export const helmEnvNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'a helmfile environment name like eqiad' });
const absolutePath = z.string().regex(/^(\/[A-Za-z0-9_.@+-]+)+\/?$/, { error: 'an absolute path' });
const port = z.int().min(1).max(65_535);

const environmentSchema = z.strictObject({
  /** The datacenter this environment deploys to; staging has none. */
  datacenter: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/).optional(),
  /** kubectl --context for this environment's cluster. */
  kube_context: z.string().regex(/^[A-Za-z0-9_.@:-]{1,128}$/, { error: 'a kubeconfig context name' }).optional(),
  /** kubectl --kubeconfig, e.g. /etc/kubernetes/<service>-deploy-eqiad.config as kube_env sets it. */
  kubeconfig: absolutePath.optional(),
});

/**
 * helmfile and kubectl for one service's release, on the deployment host. The release's own names
 * (release_dir, namespace, app, the TLS NodePort) have no default here: the config derives them
 * from the service (config/service-defaults.ts), so no service's name lives in code.
 */
export const helmSettingsSchema = z
  .strictObject({
    /** Where helmfile and kubectl run: deployment.eqiad.wmnet over ssh in production. */
    host: commandHostSchema,
    /** e.g. /srv/deployment-charts/helmfile.d/services/<service>. */
    release_dir: absolutePath,
    environments: z
      .record(helmEnvNameSchema, environmentSchema)
      .refine((envs) => Object.keys(envs).length > 0, { error: 'at least one environment is required' })
      .default({ staging: {}, eqiad: { datacenter: 'eqiad' }, codfw: { datacenter: 'codfw' } }),
    namespace: k8sNameSchema,
    release: k8sNameSchema.default('main'),
    /** The chart's `app` label; the Deployment is `<app>-<release>`, as WMF charts name it. */
    app: k8sNameSchema,
    /** Lines of context around each change in the diff. */
    diff_context_lines: z.int().min(0).max(20).default(3),
    timeouts: z
      .strictObject({
        diff_seconds: z.int().min(1).max(3600).default(300),
        /** The chart's own helm timeout (`timeout: 600` in the helmfile); apply must outlast it. */
        chart_seconds: z.int().min(1).max(7200).default(600),
        apply_seconds: z.int().min(1).max(7200).default(900),
        /** kubectl rollout status --timeout. */
        rollout_seconds: z.int().min(1).max(7200).default(600),
        /** Each kubectl get. */
        kubectl_seconds: z.int().min(1).max(600).default(30),
        /** How much longer the bot waits than the tool's own timeout, so the tool reports first. */
        grace_seconds: z.int().min(1).max(600).default(30),
      })
      .prefault({}),
    /** Probed on a worker after a deploy (by the probe adapter): the port of the pool the workers join. */
    nodeports: z.strictObject({ tls: port, plain: port.optional() }),
  })
  .superRefine((settings, ctx) => {
    // helm with atomic: true rolls back when its timeout hits; killing helmfile first would leave a half-made release.
    if (settings.timeouts.apply_seconds <= settings.timeouts.chart_seconds) {
      ctx.addIssue({ code: 'custom', path: ['timeouts', 'apply_seconds'], message: `must be longer than the chart's timeout (${settings.timeouts.chart_seconds} s) so an atomic rollback can finish` });
    }
    const seen = new Map<string, string>();
    for (const [env, config] of Object.entries(settings.environments)) {
      if (config.datacenter === undefined) continue;
      const other = seen.get(config.datacenter);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['environments', env, 'datacenter'], message: `datacenter ${config.datacenter} is already deployed by environment ${other}` });
      seen.set(config.datacenter, env);
    }
  });

export type HelmSettings = z.infer<typeof helmSettingsSchema>;
export type HelmEnvironment = HelmSettings['environments'][string];

/** The configured environment by name; chat input never reaches the prototype. */
export function helmEnvironment(settings: HelmSettings, env: string): HelmEnvironment {
  const config = Object.hasOwn(settings.environments, env) ? settings.environments[env] : undefined;
  if (config === undefined) {
    throw new CutoverError('input.invalid', `Unknown helmfile environment ${printable(env, 40)}; configured: ${Object.keys(settings.environments).join(', ')}.`);
  }
  return config;
}

/** Which helmfile environment deploys a datacenter (eqiad → eqiad). */
export function helmEnvForDatacenter(settings: HelmSettings, datacenter: string): string {
  const found = Object.entries(settings.environments).find(([, config]) => config.datacenter === datacenter);
  if (found === undefined) throw new CutoverError('input.invalid', `No helmfile environment deploys ${printable(datacenter, 40)}.`);
  return found[0];
}

/** The NodePorts a deploy should open on every worker, for the probe adapter. */
export function helmNodePorts(settings: HelmSettings): { tls: number; plain?: number } {
  return settings.nodeports.plain === undefined ? { tls: settings.nodeports.tls } : { tls: settings.nodeports.tls, plain: settings.nodeports.plain };
}
