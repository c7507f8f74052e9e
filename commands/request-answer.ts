import type { RequestNotice } from '../core/request-notice.js';
import { requestWords } from '../core/request-words.js';
import type { Answer } from './outcome.js';

/** A filed request as the channel sees it, with what a transport needs for its buttons; a dry run is a plain answer. */
export function requestAnswer(notice: RequestNotice): Answer {
  const text = requestWords(notice);
  if (notice.id === undefined) return { kind: 'ok', text };
  const state = notice.request.state === 'approved' ? 'approved' : 'pending';
  return { kind: 'request', text, request: { id: notice.id, actionHash: notice.request.actionHash, state } };
}
