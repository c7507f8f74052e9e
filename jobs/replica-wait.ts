import type { Redis } from 'ioredis';

export interface ReplicaWaitSettings {
  /** `redis.wait_replicas`: 0 turns waiting off. */
  replicas: number;
  timeoutMs: number;
}

/** A write the replicas did not all confirm in time: what it was and how many did. */
export interface ShortWait {
  what: string;
  acked: number;
  wanted: number;
  error?: Error;
}

/**
 * `WAIT <replicas> <timeout>` after the writes a failover must not lose: an approval, a service
 * lock taken, an audit entry. WAIT covers the writes made on the connection it is sent on, so the
 * stores that use it run on a connection of their own (bot/compose-core.ts): a WAIT that runs to
 * its timeout then holds up only them, not the queues.
 *
 * A short or failed WAIT is reported and the bot goes on: availability comes before blocking the
 * channel on a replica that is down (a new primary without replicas would otherwise stop every
 * approval). A write lost in a failover is safe to lose: an approval is asked again, and an action
 * replayed from the plan journal with set-and-verify and its fixed job id does nothing twice.
 */
export class ReplicaWait {
  constructor(
    private readonly settings: ReplicaWaitSettings,
    private readonly onShort: (short: ShortWait) => void = () => undefined,
  ) {}

  get enabled(): boolean {
    return this.settings.replicas > 0;
  }

  /** Waits until `wanted` replicas have every write made so far on `redis`, or the timeout. */
  async after(redis: Redis, what: string): Promise<void> {
    const wanted = this.settings.replicas;
    if (wanted === 0) return;
    try {
      const acked = Number(await redis.wait(wanted, this.settings.timeoutMs));
      if (acked < wanted) this.onShort({ what, acked, wanted });
    } catch (error) {
      // The write itself succeeded; a connection lost while waiting is a failover under way.
      this.onShort({ what, acked: 0, wanted, error: error as Error });
    }
  }
}

/** For stores built without one (tests, tools): never waits. */
export const NO_WAIT = new ReplicaWait({ replicas: 0, timeoutMs: 0 });
