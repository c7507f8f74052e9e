import type { Redis } from 'ioredis';
import { GuardState } from '../guard/guard-state.js';

/**
 * The guard's liveness as the watchdog reads it: when it last finished a look (GuardState's own
 * record) and whether a look is running now. The second reads GuardState's tick lock key
 * directly (`<prefix>:guard:<service>:tick`, see GuardState.tryLock): GuardState has no accessor
 * for it, and it tells a slow look (probes hanging) from no look at all (no worker process).
 */
export class GuardTicks {
  private readonly state: GuardState;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.state = new GuardState(redis, prefix);
  }

  lastTick(service: string): Promise<number | undefined> {
    return this.state.lastTick(service);
  }

  async ticking(service: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}:guard:${service}:tick`)) === 1;
  }
}
