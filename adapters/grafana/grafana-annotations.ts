import * as z from 'zod';
import type { Annotation, Annotations } from '../../core/ports/annotations.js';
import type { Enqueued } from '../../core/ports/delivery.js';
import type { Reachability } from '../../core/ports/integrations.js';
import type { NoticeContext } from '../../core/ports/task-log.js';
import { httpProbe } from '../http-probe.js';
import { httpAttempt, httpRefusal } from '../outbox/http-attempt.js';
import { noticeContextSchema } from '../outbox/notice-context.js';
import type { OutboxClientDeps } from '../outbox/outbox-client-deps.js';
import { RedisOutbox, type DeliveryAttempt } from '../outbox/redis-outbox.js';
import type { GrafanaSettings } from './settings.js';

const tag = z.string().min(1).max(100);
const annotationSchema = z.strictObject({
  time: z.int().nonnegative(),
  timeEnd: z.int().nonnegative().optional(),
  service: tag,
  dc: tag,
  step: tag,
  text: z.string().min(1).max(10_000),
});

export interface GrafanaAnnotationsDeps extends OutboxClientDeps {
  settings: GrafanaSettings;
}

/** Grafana's HTTP API (POST /api/annotations) through the retrying outbox: annotate() only queues. */
export class GrafanaAnnotations implements Annotations {
  readonly outbox: RedisOutbox<Annotation, NoticeContext>;

  constructor(private readonly deps: GrafanaAnnotationsDeps) {
    this.outbox = new RedisOutbox({
      redis: deps.redis,
      key: `${deps.prefix}:outbox:grafana`,
      payload: annotationSchema,
      context: noticeContextSchema,
      deliver: (annotation) => this.post(annotation),
      onReport: deps.onReport,
      settings: deps.settings.outbox,
      ...(deps.now === undefined ? {} : { now: deps.now }),
    });
  }

  async annotate(annotation: Annotation, context: NoticeContext): Promise<Enqueued> {
    const parsed = annotationSchema.safeParse(annotation);
    if (!parsed.success) return { queued: false, reason: `not an annotation Grafana takes: ${z.prettifyError(parsed.error)}` };
    return this.outbox.enqueue(parsed.data, context);
  }

  /** Whether Grafana answers (its unauthenticated health endpoint), for status when nothing was annotated lately. */
  probe(): Promise<Reachability> {
    const { settings } = this.deps;
    return httpProbe(this.deps.fetch ?? globalThis.fetch, `${settings.url.replace(/\/+$/, '')}/api/health`, { headers: { Accept: 'application/json' } }, settings.timeout_ms);
  }

  private async post(annotation: Annotation): Promise<DeliveryAttempt> {
    const { settings } = this.deps;
    const body = {
      ...(settings.dashboard_uid === undefined ? {} : { dashboardUID: settings.dashboard_uid }),
      time: annotation.time,
      ...(annotation.timeEnd === undefined ? {} : { timeEnd: annotation.timeEnd }),
      tags: ['cutover', annotation.service, annotation.dc, annotation.step],
      text: annotation.text,
    };
    const answer = await httpAttempt(
      this.deps.fetch ?? globalThis.fetch,
      `${settings.url.replace(/\/+$/, '')}/api/annotations`,
      { method: 'POST', body: JSON.stringify(body), headers: { Authorization: `Bearer ${this.deps.token}`, 'Content-Type': 'application/json', Accept: 'application/json' } },
      settings.timeout_ms,
    );
    if (!('status' in answer)) return answer;
    if (answer.status !== 200) return httpRefusal(answer, 'Grafana');
    return { ok: true, detail: `annotation ${annotation.service} ${annotation.dc} ${annotation.step}` };
  }
}
