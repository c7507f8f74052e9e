import { describe, expect, it } from 'vitest';
import { countPods, deploymentSchema, parseJson, podListSchema } from '../../adapters/helm/kube-status.js';
import { isCutoverError } from '../../core/errors.js';

const running = { running: { startedAt: '2025-01-15T11:58:00Z' } };
const readyConditions = [
  { type: 'Initialized', status: 'True' },
  { type: 'Ready', status: 'True' },
  { type: 'ContainersReady', status: 'True' },
  { type: 'PodScheduled', status: 'True' },
];
const notReadyConditions = [
  { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
  { type: 'PodScheduled', status: 'True' },
];
const proxy = { name: 'kartotherian-main-tls-proxy', ready: true, restartCount: 0, state: running };

/** Trimmed from `kubectl -n kartotherian get pods -l app=kartotherian,release=main -o json` mid-rollout. */
const POD_LIST = {
  apiVersion: 'v1',
  kind: 'List',
  metadata: { resourceVersion: '' },
  items: [
    {
      kind: 'Pod',
      metadata: { name: 'kartotherian-main-7c9d-aaaaa', namespace: 'kartotherian', labels: { app: 'kartotherian', release: 'main' } },
      status: { phase: 'Running', conditions: readyConditions, containerStatuses: [{ name: 'kartotherian-main', ready: true, restartCount: 0, state: running }, proxy] },
    },
    {
      kind: 'Pod',
      metadata: { name: 'kartotherian-main-7c9d-bbbbb' },
      status: {
        phase: 'Running',
        conditions: notReadyConditions,
        containerStatuses: [
          {
            name: 'kartotherian-main',
            ready: false,
            restartCount: 7,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error' } },
          },
          proxy,
        ],
      },
    },
    {
      kind: 'Pod',
      metadata: { name: 'kartotherian-main-7c9d-ccccc' },
      status: { phase: 'Pending', conditions: notReadyConditions, containerStatuses: [{ name: 'kartotherian-main', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] },
    },
    {
      kind: 'Pod',
      metadata: { name: 'kartotherian-main-7c9d-ddddd' },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/120 nodes are available: 120 Insufficient cpu.' }] },
    },
    {
      kind: 'Pod',
      metadata: { name: 'kartotherian-main-7c9d-eeeee' },
      status: { phase: 'Running', conditions: notReadyConditions, containerStatuses: [{ name: 'kartotherian-main', ready: false, restartCount: 1, state: running }, proxy] },
    },
    { kind: 'Pod', metadata: { name: 'kartotherian-main-7c9d-fffff' }, status: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' } },
    {
      kind: 'Pod',
      metadata: { name: 'kartotherian-main-5b4a-old01', deletionTimestamp: '2025-01-15T12:00:05Z' },
      status: { phase: 'Running', conditions: readyConditions, containerStatuses: [{ name: 'kartotherian-main', ready: true, restartCount: 0, state: running }] },
    },
  ],
};

describe('countPods', () => {
  it('counts ready pods and gives each other pod the reason a person would look for first', () => {
    const counts = countPods(parseJson(podListSchema, JSON.stringify(POD_LIST), 'kubectl get pods'));
    expect(counts.ready).toBe(1);
    expect(counts.terminating).toBe(1);
    expect(counts.notReady).toEqual([
      { pod: 'kartotherian-main-7c9d-bbbbb', reason: 'CrashLoopBackOff (kartotherian-main)', restarts: 7 },
      { pod: 'kartotherian-main-7c9d-ccccc', reason: 'ImagePullBackOff (kartotherian-main)', restarts: 0 },
      { pod: 'kartotherian-main-7c9d-ddddd', reason: 'Unschedulable', restarts: 0 },
      { pod: 'kartotherian-main-7c9d-eeeee', reason: 'Running, readiness probe failing (kartotherian-main)', restarts: 1 },
      { pod: 'kartotherian-main-7c9d-fffff', reason: 'Evicted', restarts: 0 },
    ]);
  });

  it('reads an empty list (no pods match the selector) as zero ready', () => {
    expect(countPods(parseJson(podListSchema, '{"apiVersion":"v1","kind":"List","items":[]}', 'kubectl get pods'))).toEqual({ ready: 0, notReady: [], terminating: 0 });
  });
});

describe('parseJson', () => {
  it('reads the deployment fields a rollout is judged by, with kubectl defaults for absent ones', () => {
    const deployment = parseJson(deploymentSchema, JSON.stringify({ kind: 'Deployment', metadata: { name: 'kartotherian-main' }, spec: { replicas: 20 }, status: { updatedReplicas: 12 } }), 'kubectl get deployment');
    expect(deployment.spec.replicas).toBe(20);
    expect(deployment.status).toMatchObject({ updatedReplicas: 12, readyReplicas: 0 });
  });

  it.each([
    ['not JSON', '<html>502 Bad Gateway</html>', /did not print JSON/],
    ['the wrong kind', '{"kind":"Pod","items":[]}', /unexpected shape/],
    ['a pod without a name', '{"kind":"List","items":[{"metadata":{}}]}', /unexpected shape/],
  ])('refuses %s with adapter.bad-output', (_label, text, message) => {
    let caught: unknown;
    try {
      parseJson(podListSchema, text, 'kubectl get pods');
    } catch (error) {
      caught = error;
    }
    expect(isCutoverError(caught, 'adapter.bad-output')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});
