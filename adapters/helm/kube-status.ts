import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import { printable } from '../../core/printable.js';

const containerStatusSchema = z.looseObject({
  name: z.string(),
  ready: z.boolean(),
  restartCount: z.int().min(0).default(0),
  state: z
    .looseObject({
      waiting: z.looseObject({ reason: z.string().optional() }).optional(),
      terminated: z.looseObject({ reason: z.string().optional(), exitCode: z.int().optional() }).optional(),
      running: z.looseObject({}).optional(),
    })
    .optional(),
});

const podSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string().min(1), deletionTimestamp: z.string().optional() }),
  status: z
    .looseObject({
      phase: z.string().optional(),
      /** Set on whole-pod failures such as Evicted. */
      reason: z.string().optional(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string(), reason: z.string().optional() })).optional(),
      containerStatuses: z.array(containerStatusSchema).optional(),
    })
    .default({}),
});

/** `kubectl get pods -o json`: a List of Pods. */
export const podListSchema = z.looseObject({ kind: z.literal('List'), items: z.array(podSchema) });

/** `kubectl get deployment/<name> -o json`, the fields a rollout is judged by. */
export const deploymentSchema = z.looseObject({
  kind: z.literal('Deployment'),
  metadata: z.looseObject({ name: z.string(), generation: z.int().optional() }),
  spec: z.looseObject({ replicas: z.int().min(0).default(1) }),
  status: z
    .looseObject({
      observedGeneration: z.int().optional(),
      replicas: z.int().min(0).default(0),
      updatedReplicas: z.int().min(0).default(0),
      readyReplicas: z.int().min(0).default(0),
      availableReplicas: z.int().min(0).default(0),
    })
    .default({ replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 }),
});

export const notReadyPodSchema = z.strictObject({ pod: z.string(), reason: z.string(), restarts: z.int().min(0) });
export type NotReadyPod = z.infer<typeof notReadyPodSchema>;

export interface PodCounts {
  /** Pods whose Ready condition is True and that are not being deleted. */
  ready: number;
  notReady: NotReadyPod[];
  /** Old pods on their way out during a rollout: neither ready capacity nor a problem. */
  terminating: number;
}

export function parseJson<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CutoverError('adapter.bad-output', `${what} did not print JSON: ${printable(text.trim().slice(0, 120), 120)}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new CutoverError('adapter.bad-output', `${what} printed JSON of an unexpected shape: ${z.prettifyError(parsed.error).slice(0, 300)}`);
  return parsed.data;
}

/** Ready vs not ready, with the reason a person would look for first (CrashLoopBackOff, ImagePullBackOff, Unschedulable…). */
export function countPods(list: z.infer<typeof podListSchema>): PodCounts {
  const counts: PodCounts = { ready: 0, notReady: [], terminating: 0 };
  for (const pod of list.items) {
    if (pod.metadata.deletionTimestamp !== undefined) {
      counts.terminating += 1;
      continue;
    }
    const ready = pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
    if (ready) {
      counts.ready += 1;
      continue;
    }
    const restarts = (pod.status.containerStatuses ?? []).reduce((sum, container) => sum + container.restartCount, 0);
    counts.notReady.push({ pod: pod.metadata.name, reason: notReadyReason(pod), restarts });
  }
  return counts;
}

function notReadyReason(pod: z.infer<typeof podSchema>): string {
  if (pod.status.reason !== undefined) return pod.status.reason;
  for (const container of pod.status.containerStatuses ?? []) {
    if (container.ready) continue;
    const state = container.state;
    const why = state?.waiting?.reason ?? state?.terminated?.reason ?? (state?.running === undefined ? undefined : 'Running, readiness probe failing');
    if (why !== undefined) return `${why} (${container.name})`;
  }
  const unscheduled = pod.status.conditions?.find((condition) => condition.type === 'PodScheduled' && condition.status === 'False');
  if (unscheduled !== undefined) return unscheduled.reason ?? 'not scheduled';
  return pod.status.phase ?? 'unknown';
}
