import * as z from 'zod';
import { parseJson } from '../../core/parse-json.js';
import { httpAttempt, httpRefusal } from '../outbox/http-attempt.js';
import type { DeliveryAttempt } from '../outbox/redis-outbox.js';

export interface ConduitTarget {
  /** Phabricator's base URL, without /api. */
  url: string;
  token: string;
  timeoutMs: number;
  fetch?: typeof globalThis.fetch;
}

/** Conduit answers HTTP 200 whatever happened; the outcome is in the body. */
const conduitAnswerSchema = z.looseObject({
  result: z.unknown(),
  error_code: z.string().nullable(),
  error_info: z.string().nullable(),
});

/** Errors that the same call would get again: a bad or revoked token, a task that does not exist or a malformed call. */
const PERMANENT = new Set(['ERR-INVALID-AUTH', 'ERR-INVALID-SESSION', 'ERR-CONDUIT-CORE', 'ERR-CONDUIT-CALL']);

/**
 * One comment on a Maniphest task: `maniphest.edit` with a single comment transaction, posted as
 * flat form fields (`transactions[0][type]=comment`), the token as `api.token`, which is how
 * Conduit reads HTTP parameters when no `params` JSON blob is sent.
 */
export async function postConduitComment(target: ConduitTarget, task: string, text: string): Promise<DeliveryAttempt> {
  const form = new URLSearchParams({
    'api.token': target.token,
    objectIdentifier: task,
    'transactions[0][type]': 'comment',
    'transactions[0][value]': text,
  });
  const answer = await httpAttempt(target.fetch ?? globalThis.fetch, `${target.url.replace(/\/+$/, '')}/api/maniphest.edit`, { method: 'POST', body: form, headers: { Accept: 'application/json' } }, target.timeoutMs);
  if (!('status' in answer)) return answer;
  if (answer.status !== 200) return httpRefusal(answer, 'Phabricator');
  const parsed = conduitAnswerSchema.safeParse(parseJson(answer.text));
  if (!parsed.success) return { ok: false, error: `Phabricator answered something that is not Conduit JSON: ${answer.text.slice(0, 200)}` };
  const { error_code: code, error_info: info } = parsed.data;
  if (code !== null) return { ok: false, error: `Conduit ${code}: ${info ?? ''}`.trim(), permanent: PERMANENT.has(code) };
  return { ok: true, detail: `comment on ${task}` };
}
