/**
 * Resolves with the first defined value of `probe`, checked now and each time a listener set
 * fires (a new line, a new API call), or rejects after `timeoutMs` with `failure()`'s words.
 * The one wait behind every fake and harness that records what it saw.
 */
export function waitUntil<T>(listeners: Set<() => void>, probe: () => T | undefined, timeoutMs: number, failure: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const value = probe();
      if (value === undefined) return;
      cleanup();
      resolve(value);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(failure()));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      listeners.delete(check);
    };
    listeners.add(check);
    check();
  });
}

/** The first of `items` whose text matches `pattern`, with the match: what every transcript wait looks for. */
export function firstMatch<T>(items: readonly T[], text: (item: T) => string, pattern: RegExp): { item: T; match: RegExpExecArray } | undefined {
  for (const item of items) {
    const match = pattern.exec(text(item));
    if (match !== null) return { item, match };
  }
  return undefined;
}
