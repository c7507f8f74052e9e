import { setTimeout as delay } from 'node:timers/promises';
import type { CheckOutcome } from '../../core/ports/plan-effects.js';

/**
 * Scrapes, ATS's idle timeouts and pybal's checks keep their own clocks when a rehearsal scales the
 * plan's: a wait the plan asks for is never shorter than this, unless it asks for none at all.
 */
export const WORLD_CLOCK_FLOOR_MS = 10_000;

/** A plan wait in ms of this run: scaled, but not below the world's own clock. */
export function settleWindow(settleSeconds: number, scaled: (seconds: number) => number): number {
  return settleSeconds === 0 ? 0 : Math.max(scaled(settleSeconds), WORLD_CLOCK_FLOOR_MS);
}

export interface SettleOptions {
  /** How long to keep reading, in ms of this run (see settleWindow). */
  withinMs: number;
  /** Between reads. */
  everyMs: number;
  /** Whether this outcome may still change by waiting; a real failure never does. */
  mayChange: (outcome: CheckOutcome) => boolean;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Reads a check again while the world catches up with a change: Prometheus scrapes every minute
 * and ATS drains idle connections over minutes, so the first read after a change can be early
 * without being wrong. Stops at the first outcome that cannot change by waiting, or at the
 * deadline, and says how long it waited.
 */
export async function settle(read: () => Promise<CheckOutcome>, options: SettleOptions): Promise<CheckOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const started = now();
  for (;;) {
    const outcome = await read();
    const waited = now() - started;
    const after = waited < 1000 ? '' : ` (after ${(waited / 1000).toFixed(0)} s)`;
    if (!options.mayChange(outcome) || waited >= options.withinMs) return { ...outcome, summary: `${outcome.summary}${after}` };
    await sleep(Math.max(50, Math.min(options.everyMs, options.withinMs - waited)));
  }
}
