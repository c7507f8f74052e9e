/**
 * Time as the IRC transport sees it: injected so the outbox, the echo timeouts and the
 * reconnect backoff can be driven by a fake clock in tests, without module mocking.
 */
export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** A real timer, or a number from a fake clock; callers only hand it back to clearTimeout. */
export type TimerHandle = NodeJS.Timeout | number;

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    // A pending send or reconnect must not keep a stopping process alive.
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle),
};
