export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `attempt` returns something other than undefined, or fails saying what it waited for. */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, options: { what: string; timeoutMs: number; intervalMs?: number; sleep?: Sleep }): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`gave up after ${options.timeoutMs} ms waiting for ${options.what}${last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})`}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}
