import { networkReason } from '../network-reason.js';
import type { DeliveryAttempt } from './redis-outbox.js';

export type HttpAnswer = { status: number; text: string };

/**
 * One HTTP request under a deadline, for an outbox's delivery: the answer, or the failed attempt
 * (unreachable, timed out) that the outbox retries. Statuses are the caller's to judge.
 */
export async function httpAttempt(fetcher: typeof globalThis.fetch, url: string, init: RequestInit, timeoutMs: number): Promise<HttpAnswer | DeliveryAttempt> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetcher(url, { ...init, signal, redirect: 'error' });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    return { ok: false, error: signal.aborted ? `no answer within ${timeoutMs} ms` : networkReason(error) };
  }
}

/** 5xx and 429 are worth another try; other refusals (401, 403, 400) will be refused again. */
export function httpRefusal(answer: HttpAnswer, service: string): DeliveryAttempt {
  return { ok: false, error: `${service} answered HTTP ${answer.status}: ${answer.text.slice(0, 200)}`, permanent: answer.status < 500 && answer.status !== 429 && answer.status !== 408 };
}
