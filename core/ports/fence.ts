/**
 * Proof that this process may still act, checked right before it writes to production or speaks in
 * a channel: the leader lease's token for the leader's own work (chat, guard, plan timers), a job's
 * BullMQ lock for an approved action. A process that stalled past its lease or its job lock finds
 * someone else acting in its place; its late writes and lines must then be refused, not repeated.
 */
export interface Fence {
  /** What holds it, for the refusal's message: `leader lease 7 of cutover-a`, `job 123's lock`. */
  readonly label: string;
  /** Resolves while this holder is current; throws CutoverError('fence.lost') once it is not. */
  check(): Promise<void>;
}

/** For paths with nobody to be superseded by: a console demo, a test, a one-off script. */
export const UNFENCED: Fence = { label: 'no fence', check: async () => undefined };
