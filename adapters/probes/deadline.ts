/**
 * One deadline for a whole operation (connect, TLS, headers, body), merged with the caller's
 * cancellation. Callers need to tell the two apart afterwards: a timeout is the target's
 * failure and becomes a probe result, a cancellation is the operator's and becomes an error.
 */
export interface Deadline {
  /** Aborts when the time is up or the caller cancels, whichever comes first. */
  readonly signal: AbortSignal;
  timedOut(): boolean;
  cancelled(): boolean;
  /** Clears the timer; call it once the operation has settled. */
  dispose(): void;
}

export function startDeadline(timeoutMs: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  let cancelled = false;
  const onCancel = (): void => {
    cancelled = true;
    controller.abort(outer?.reason);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  if (outer?.aborted === true) onCancel();
  else outer?.addEventListener('abort', onCancel, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut && !cancelled,
    cancelled: () => cancelled,
    dispose() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onCancel);
    },
  };
}
