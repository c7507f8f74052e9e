import type { Redis } from 'ioredis';
import { GuardState } from '../guard/guard-state.js';

/**
 * The guard's liveness as the watchdog reads it: when it last finished a look, and whether a look
 * is running now (a slow look, probes hanging, is not the same as no look at all, no worker process).
 */
export class GuardTicks {
  private readonly state: GuardState;

  constructor(redis: Redis, prefix: string) {
    this.state = new GuardState(redis, prefix);
  }

  lastTick(service: string): Promise<number | undefined> {
    return this.state.lastTick(service);
  }

  ticking(service: string): Promise<boolean> {
    return this.state.ticking(service);
  }
}
