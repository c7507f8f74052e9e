/**
 * What kubectl prints for the three reads the bot makes of a release (adapters/helm/helm-commands.ts):
 * `rollout status deployment/<name>`, `get deployment/<name> -o json`, `get pods -l <selector> -o json`.
 * No capture of a real run exists; the text follows kubectl's sources (github:kubernetes/kubectl
 * pkg/polymorphichelpers/rollout_status.go: "Waiting for deployment %q rollout to finish: %d of %d
 * updated replicas are available...", "deployment %q successfully rolled out"; `-o json` prints the
 * API object indented by 4 spaces, a List for several) and the Pod/Deployment API shapes. Shared by
 * the lab's stand-in kubectl and the test fake.
 */

export type PodState = 'ready' | 'terminating' | 'CrashLoopBackOff' | 'ImagePullBackOff' | 'readiness' | 'Unschedulable' | 'Evicted' | 'ContainerCreating' | 'Error';

export interface PodFacts {
  name: string;
  state: PodState;
  restarts?: number;
  node?: string;
  startedAt?: string;
}

export interface DeploymentRef {
  namespace: string;
  /** `<app>-<release>` */
  name: string;
  app: string;
  release: string;
  chartVersion?: string;
}

export function kubectlJson(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}

/**
 * `kubectl rollout status`: stdout and exit code. `waited`: the rollout was still going when
 * kubectl started, so it printed one progress line before finishing. A rollout that does not
 * finish ends with kubectl's timeout error on stderr.
 */
export function rolloutStatusText(name: string, counts: { available: number; desired: number; done: boolean; waited: boolean }): { stdout: string; stderr: string; exitCode: number } {
  const waiting = (available: number): string => `Waiting for deployment "${name}" rollout to finish: ${available} of ${counts.desired} updated replicas are available...\n`;
  if (!counts.done) return { stdout: waiting(counts.available), stderr: 'error: timed out waiting for the condition\n', exitCode: 1 };
  return { stdout: `${counts.waited ? waiting(Math.max(0, counts.desired - 1)) : ''}deployment "${name}" successfully rolled out\n`, stderr: '', exitCode: 0 };
}

export function notFoundText(name: string): string {
  return `Error from server (NotFound): deployments.apps "${name}" not found\n`;
}

export function deploymentJson(ref: DeploymentRef, counts: { desired: number; pods: number; updated: number; ready: number }): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: ref.name, namespace: ref.namespace, generation: 7, labels: { app: ref.app, chart: `${ref.app}-${ref.chartVersion ?? '1.4.2'}`, heritage: 'Helm', release: ref.release } },
    spec: { replicas: counts.desired, selector: { matchLabels: { app: ref.app, release: ref.release } } },
    status: {
      observedGeneration: 7,
      replicas: counts.pods,
      updatedReplicas: counts.updated,
      readyReplicas: counts.ready,
      availableReplicas: counts.ready,
      conditions: [{ type: 'Available', status: counts.ready === counts.desired ? 'True' : 'False', reason: 'MinimumReplicasAvailable' }],
    },
  };
}

export function podListJson(items: readonly Record<string, unknown>[]): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

function container(name: string, ready: boolean, restarts: number, state: Record<string, unknown>, lastState?: Record<string, unknown>): Record<string, unknown> {
  return { name, ready, restartCount: restarts, started: ready, image: `docker-registry.discovery.wmnet/${name}:x`, state, ...(lastState === undefined ? {} : { lastState }) };
}

/** Pod JSON as the API server returns it, for the states a rollout runs into. */
export function podJson(ref: DeploymentRef, pod: PodFacts): Record<string, unknown> {
  const restarts = pod.restarts ?? 0;
  const running = { running: { startedAt: pod.startedAt ?? '2025-01-15T11:58:00Z' } };
  const metadata = { name: pod.name, namespace: ref.namespace, labels: { app: ref.app, release: ref.release, routed_via: ref.release } };
  const base = { apiVersion: 'v1', kind: 'Pod', metadata, spec: { nodeName: pod.node ?? 'wikikube-worker1001.eqiad.wmnet' } };
  const conditions = (ready: boolean): Record<string, unknown>[] => [
    { type: 'Initialized', status: 'True' },
    { type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { reason: 'ContainersNotReady' }) },
    { type: 'ContainersReady', status: ready ? 'True' : 'False' },
    { type: 'PodScheduled', status: 'True' },
  ];
  const main = `${ref.name}`;
  const proxy = container(`${ref.name}-tls-proxy`, true, 0, running);
  switch (pod.state) {
    case 'ready':
    case 'terminating':
      return {
        ...base,
        metadata: { ...metadata, ...(pod.state === 'terminating' ? { deletionTimestamp: '2025-01-15T12:00:05Z' } : {}) },
        status: { phase: 'Running', conditions: conditions(true), containerStatuses: [container(main, true, restarts, running), proxy] },
      };
    case 'CrashLoopBackOff':
      return {
        ...base,
        status: {
          phase: 'Running',
          conditions: conditions(false),
          containerStatuses: [
            container(main, false, restarts, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } }, { terminated: { exitCode: 1, reason: 'Error' } }),
            proxy,
          ],
        },
      };
    case 'ImagePullBackOff':
    case 'ContainerCreating':
      return {
        ...base,
        status: {
          phase: 'Pending',
          conditions: conditions(false),
          containerStatuses: [container(main, false, 0, { waiting: { reason: pod.state, ...(pod.state === 'ImagePullBackOff' ? { message: 'Back-off pulling image' } : {}) } }), proxy],
        },
      };
    case 'readiness':
      return { ...base, status: { phase: 'Running', conditions: conditions(false), containerStatuses: [container(main, false, restarts, running), proxy] } };
    case 'Unschedulable':
      return {
        ...base,
        spec: {},
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/120 nodes are available: 120 Insufficient cpu.' }] },
      };
    case 'Evicted':
      return { ...base, status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } };
    case 'Error':
      return { ...base, status: { phase: 'Failed', conditions: conditions(false), containerStatuses: [container(main, false, restarts, { terminated: { exitCode: 1, reason: 'Error' } }), proxy] } };
    default:
      return pod.state satisfies never;
  }
}
