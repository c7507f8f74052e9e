import type { Redis } from 'ioredis';
import { fleetFaultsSchema, type FleetFaults } from './fleet-model.js';

/**
 * The simulated world besides conftool: which puppet changes are applied per DC, what is
 * deployed on Wikikube, and which faults are injected. Kept in Redis so a rehearsal survives a
 * restart of the bot like production would.
 */
export class FleetState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly defaultFaults: FleetFaults,
  ) {}

  async applyFeature(dc: string, feature: string): Promise<boolean> {
    return (await this.redis.sadd(`${this.prefix}:sim:features`, `${dc}/${feature}`)) === 1;
  }

  async hasFeature(dc: string, feature: string): Promise<boolean> {
    return (await this.redis.sismember(`${this.prefix}:sim:features`, `${dc}/${feature}`)) === 1;
  }

  async features(dc: string): Promise<string[]> {
    const all = await this.redis.smembers(`${this.prefix}:sim:features`);
    return all.filter((entry) => entry.startsWith(`${dc}/`)).map((entry) => entry.slice(dc.length + 1));
  }

  async deploy(env: string, release: { replicas: number; image: string }): Promise<void> {
    await this.redis.hset(`${this.prefix}:sim:helm`, env, JSON.stringify(release));
  }

  async release(env: string): Promise<{ replicas: number; image: string } | undefined> {
    const raw = await this.redis.hget(`${this.prefix}:sim:helm`, env);
    return raw === null ? undefined : (JSON.parse(raw) as { replicas: number; image: string });
  }

  async faults(): Promise<FleetFaults> {
    const raw = await this.redis.get(`${this.prefix}:sim:faults`);
    return raw === null ? this.defaultFaults : fleetFaultsSchema.parse(JSON.parse(raw));
  }

  async setFaults(faults: FleetFaults): Promise<void> {
    await this.redis.set(`${this.prefix}:sim:faults`, JSON.stringify(fleetFaultsSchema.parse(faults)));
  }
}
