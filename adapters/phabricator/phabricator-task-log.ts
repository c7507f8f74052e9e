import * as z from 'zod';
import type { Enqueued } from '../../core/ports/delivery.js';
import type { Reachability } from '../../core/ports/integrations.js';
import type { NoticeContext, TaskLog } from '../../core/ports/task-log.js';
import { httpProbe } from '../http-probe.js';
import { noticeContextSchema } from '../outbox/notice-context.js';
import type { OutboxClientDeps } from '../outbox/outbox-client-deps.js';
import { RedisOutbox } from '../outbox/redis-outbox.js';
import { postConduitComment } from './conduit-comment.js';
import { taskIdSchema, type PhabricatorSettings } from './settings.js';

const payloadSchema = z.strictObject({ task: taskIdSchema, text: z.string().min(1).max(60_000) });

export interface PhabricatorTaskLogDeps extends OutboxClientDeps {
  settings: PhabricatorSettings;
}

/** Comments on the request's task through Conduit, via the retrying outbox: comment() only queues. */
export class PhabricatorTaskLog implements TaskLog {
  readonly outbox: RedisOutbox<z.infer<typeof payloadSchema>, NoticeContext>;
  /** Whether Conduit answers (conduit.ping, which needs no token), for status when nothing was commented lately. */
  readonly probe: () => Promise<Reachability>;

  constructor(deps: PhabricatorTaskLogDeps) {
    const target = { url: deps.settings.url, token: deps.token, timeoutMs: deps.settings.timeout_ms, ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }) };
    const ping = `${deps.settings.url.replace(/\/+$/, '')}/api/conduit.ping`;
    this.probe = () => httpProbe(deps.fetch ?? globalThis.fetch, ping, { method: 'POST', body: new URLSearchParams(), headers: { Accept: 'application/json' } }, deps.settings.timeout_ms);
    this.outbox = new RedisOutbox({
      redis: deps.redis,
      key: `${deps.prefix}:outbox:phabricator`,
      payload: payloadSchema,
      context: noticeContextSchema,
      deliver: (payload) => postConduitComment(target, payload.task, payload.text),
      onReport: deps.onReport,
      settings: deps.settings.outbox,
      ...(deps.now === undefined ? {} : { now: deps.now }),
    });
  }

  async comment(task: string, text: string, context: NoticeContext): Promise<Enqueued> {
    const payload = payloadSchema.safeParse({ task, text });
    if (!payload.success) return { queued: false, reason: `not a comment Phabricator takes: ${z.prettifyError(payload.error)}` };
    return this.outbox.enqueue(payload.data, context);
  }
}
