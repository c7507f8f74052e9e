/**
 * The lab's kubectl, for the reads adapters/helm/helm-commands.ts makes:
 *   kubectl [--kubeconfig F] --context <env> -n <ns> rollout status deployment/<name> [--timeout=Ns]
 *   kubectl … get deployment/<name> -o json
 *   kubectl … get pods -l app=<app>,release=<release> -o json
 * The environment (DC) is the --context (or a kubeconfig named *-<env>.config, as kube_env's
 * files are). Pods come from GET /kube/pods?env=E, the deployment from GET /helm/release?env=E.
 * Output: kubectl's (lab/stand-ins/kube-output.ts; no capture of the real tool exists).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type * as z from 'zod';
import { helmReleaseResponse, kubePodsResponse, type kubePod } from '../control-api.js';
import { deploymentJson, kubectlJson, notFoundText, podJson, podListJson, rolloutStatusText, type DeploymentRef, type PodState } from '../stand-ins/kube-output.js';
import { LabError, labRequest, runStandIn } from '../stand-ins/lab-client.js';
import { chartParts, type LabRelease } from '../stand-ins/release-values.js';

type LabPod = z.infer<typeof kubePod>;

function podState(pod: LabPod): PodState {
  if (pod.ready) return 'ready';
  if (pod.phase === 'Pending') return 'ContainerCreating';
  if (pod.phase === 'Failed') return 'Error';
  return 'readiness';
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let namespace = 'default';
  let env: string | undefined;
  let kubeconfig: string | undefined;
  const words: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '-n' || arg === '--namespace') namespace = args[++i] ?? '';
    else if (arg === '--context') env = args[++i];
    else if (arg === '--kubeconfig') kubeconfig = args[++i];
    else if (arg === '-o' || arg === '-l' || arg === '--selector' || arg === '--output') options[arg === '--selector' ? '-l' : arg === '--output' ? '-o' : arg] = args[++i] ?? '';
    else if (arg.startsWith('--')) {
      const [key = '', value = 'true'] = arg.split('=');
      options[key] = value;
    } else words.push(arg);
  }
  env ??= /-([a-z][a-z0-9-]*)\.config$/.exec(kubeconfig ?? '')?.[1];
  if (env === undefined) throw new LabError('error: the lab\'s kubectl needs --context <env> (or a --kubeconfig named <service>-deploy-<env>.config) to know which DC answers');

  const release = await labRequest(`/helm/release?env=${encodeURIComponent(env)}`, helmReleaseResponse);
  const pods = async (): Promise<LabPod[]> => (await labRequest(`/kube/pods?env=${encodeURIComponent(env)}`, kubePodsResponse)).pods;
  const { app, version } = chartParts(release.chart);
  const target = words[1]?.startsWith('deployment/') === true ? words[1].slice('deployment/'.length) : words[2]?.replace(/^deployment\//, '');
  const ref = (name: string): DeploymentRef => ({ namespace, name, app, release: name.startsWith(`${app}-`) ? name.slice(app.length + 1) : 'main', chartVersion: version });
  const notFound = (name: string): number => {
    process.stderr.write(notFoundText(name));
    return 1;
  };
  const exists = (name: string | undefined): name is string => release.deployed && name !== undefined && name.startsWith(`${app}-`) && namespace === app;

  if (words[0] === 'rollout' && words[1] === 'status') {
    if (!exists(target)) return notFound(target ?? '');
    return rolloutStatus(release, target, pods, Number((options['--timeout'] ?? '600s').replace(/s$/, '')) * 1000);
  }
  if (words[0] === 'get' && words[1]?.startsWith('deployment/') === true && options['-o'] === 'json') {
    if (!exists(target)) return notFound(target ?? '');
    const list = await pods();
    const ready = list.filter((pod) => pod.ready).length;
    process.stdout.write(kubectlJson(deploymentJson(ref(target), { desired: release.replicas, pods: list.length, updated: list.length, ready })));
    return 0;
  }
  if (words[0] === 'get' && words[1] === 'pods' && options['-o'] === 'json') {
    const selector = options['-l'] ?? '';
    const releaseName = /(?:^|,)release=([^,]+)/.exec(selector)?.[1] ?? 'main';
    const matches = release.deployed && namespace === app && new RegExp(`(?:^|,)app=${app}(?:,|$)`).test(selector);
    const items = matches ? (await pods()).map((pod) => podJson(ref(`${app}-${releaseName}`), { name: pod.name, state: podState(pod), restarts: pod.restarts, node: pod.node, startedAt: pod.startedAt })) : [];
    process.stdout.write(kubectlJson(podListJson(items)));
    return 0;
  }
  throw new LabError(`error: unknown command "${words.join(' ')}" for "kubectl" (the lab's kubectl does rollout status, get deployment, get pods)`);
}

/** Polls until every replica is ready (a line each time the count changes, as kubectl does) or the timeout. */
async function rolloutStatus(release: LabRelease, name: string, pods: () => Promise<LabPod[]>, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  let last = -1;
  for (;;) {
    const available = (await pods()).filter((pod) => pod.ready).length;
    const done = available >= release.replicas;
    if (done || Date.now() >= deadline) {
      const text = rolloutStatusText(name, { available, desired: release.replicas, done, waited: false });
      process.stdout.write(text.stdout);
      process.stderr.write(text.stderr);
      return text.exitCode;
    }
    if (available !== last) process.stdout.write(rolloutStatusText(name, { available, desired: release.replicas, done: false, waited }).stdout);
    waited = true;
    last = available;
    await sleep(Math.min(250, Math.max(1, deadline - Date.now())));
  }
}

runStandIn('kubectl', main);
