import * as z from 'zod';

/**
 * The lab's control API (HTTP + JSON on 127.0.0.1): what the stand-in cumin, helmfile, kubectl and
 * pybal-restart cookbook call to act on the lab, as the real tools act on production hosts. One
 * schema per route, shared by the server (lab/control-server.ts) and the stand-ins (lab/bin/).
 * Environment variable the stand-ins read it from: CUTOVER_LAB_URL.
 */
export const LAB_URL_ENV = 'CUTOVER_LAB_URL';

const fqdn = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,252}$/);
const env = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/);

/** POST /puppet/run: one host's puppet agent run. `changes` lists what it changed (empty: a no-op run). */
export const puppetRunRequest = z.strictObject({ host: fqdn });
export const puppetRunResponse = z.strictObject({ host: fqdn, changes: z.array(z.string()) });

/** POST /pybal/restart: the restart-pybal cookbook on one LVS host; the pools it serves afterwards. */
export const pybalRestartRequest = z.strictObject({ host: fqdn });
export const pybalRestartResponse = z.strictObject({ host: fqdn, pools: z.array(z.string()) });

/** POST /helm/apply: the release deployed in one environment (DC); the workers' NodePort servers start. */
export const helmApplyRequest = z.strictObject({ env });
export const helmRelease = z.strictObject({
  env,
  deployed: z.boolean(),
  revision: z.int().min(0),
  replicas: z.int().min(0),
  nodePort: z.int(),
  chart: z.string(),
  image: z.string(),
});
export const helmApplyResponse = z.strictObject({ changed: z.boolean(), release: helmRelease });

/** GET /helm/release?env=E */
export const helmReleaseResponse = helmRelease;

/** GET /kube/pods?env=E: the release's pods, one per worker it runs on. */
export const kubePod = z.strictObject({
  name: z.string(),
  node: fqdn,
  ready: z.boolean(),
  phase: z.enum(['Pending', 'Running', 'Failed']),
  restarts: z.int().min(0),
  startedAt: z.string(),
});
export const kubePodsResponse = z.strictObject({ env, pods: z.array(kubePod) });

/**
 * POST /faults: a rehearsal's fault on one real server, or null to clear it.
 * - unavailable: accepts TCP and TLS, answers 503 as envoy does when the app is not there.
 * - wrong-cert: a certificate from the lab CA without the public name (2025-02-19).
 * - hang: completes the TLS handshake, reads the request, never answers.
 * - slow: answers after `factor` times its normal latency.
 */
export const labFault = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('unavailable') }),
  z.strictObject({ kind: z.literal('wrong-cert') }),
  z.strictObject({ kind: z.literal('hang') }),
  z.strictObject({ kind: z.literal('slow'), factor: z.number().min(1).max(1000) }),
]);
export type LabFault = z.infer<typeof labFault>;
export const faultRequest = z.strictObject({ host: fqdn, fault: labFault.nullable() });

/** POST /pybal/freeze: a pybal monitor that stops refreshing from etcd (true) or resumes (false). */
export const pybalFreezeRequest = z.strictObject({ host: fqdn, frozen: z.boolean() });

/** Errors: status 4xx/5xx with this body; `error` is one sentence for a person. */
export const controlError = z.strictObject({ error: z.string() });
