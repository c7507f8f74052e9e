import type { Enqueued } from './delivery.js';
import type { NoticeContext } from './task-log.js';

/** A mark on the dashboards for a pool change or a plan step, so a graph shows when the share moved. */
export interface Annotation {
  /** Epoch milliseconds. */
  time: number;
  /** For a step with a duration (a soak); a point annotation without it. */
  timeEnd?: number;
  service: string;
  dc: string;
  /** The plan step or action, e.g. `first-worker` or `pool`. */
  step: string;
  text: string;
}

/** Grafana annotations; like the task log, never throws into the change and retries what fails. */
export interface Annotations {
  annotate(annotation: Annotation, context: NoticeContext): Promise<Enqueued>;
}
