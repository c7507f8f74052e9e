import type { Redis } from 'ioredis';
import { SingleFlight } from '../../core/single-flight.js';
import { fleetFaultsSchema, type FleetFaults } from './fleet-model.js';

/**
 * One service's simulated world besides conftool: which puppet changes are applied per DC, what
 * is deployed on Wikikube, and which faults are injected. Kept in Redis so a rehearsal survives a
 * restart of the bot like production would, under the service's own keys: a fault injected for
 * one service must never reach another's steps.
 */
export class FleetState {
  private readonly key: string;
  /**
   * Every simulated adapter asks for the faults and the applied features before it answers: one
   * `status` over 1,000 hosts asked 26 times at the same moment. Concurrent asks share one read;
   * one asked after a change made here never joins a read sent before it.
   */
  private readonly featureReads = new SingleFlight<string[]>();
  private readonly faultReads = new SingleFlight<string | null>();
  private changes = 0;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    service: string,
    private readonly defaultFaults: FleetFaults,
  ) {
    this.key = `${prefix}:sim:${service}`;
  }

  async applyFeature(dc: string, feature: string): Promise<boolean> {
    this.changes += 1;
    return (await this.redis.sadd(`${this.key}:features`, `${dc}/${feature}`)) === 1;
  }

  async hasFeature(dc: string, feature: string): Promise<boolean> {
    return (await this.redis.sismember(`${this.key}:features`, `${dc}/${feature}`)) === 1;
  }

  async features(dc: string): Promise<string[]> {
    const all = await this.featureReads.run(String(this.changes), () => this.redis.smembers(`${this.key}:features`));
    return all.filter((entry) => entry.startsWith(`${dc}/`)).map((entry) => entry.slice(dc.length + 1));
  }

  async deploy(env: string, release: { replicas: number; image: string }): Promise<void> {
    await this.redis.hset(`${this.key}:helm`, env, JSON.stringify(release));
  }

  async release(env: string): Promise<{ replicas: number; image: string } | undefined> {
    const raw = await this.redis.hget(`${this.key}:helm`, env);
    return raw === null ? undefined : (JSON.parse(raw) as { replicas: number; image: string });
  }

  /**
   * What the chart renders for `env` when someone changed it (a new image, more replicas): the
   * simulated helmfile diffs and applies this instead of the service's release settings.
   */
  async setChart(env: string, chart: { replicas: number; image: string }): Promise<void> {
    await this.redis.hset(`${this.key}:chart`, env, JSON.stringify(chart));
  }

  async chart(env: string): Promise<{ replicas: number; image: string } | undefined> {
    const raw = await this.redis.hget(`${this.key}:chart`, env);
    return raw === null ? undefined : (JSON.parse(raw) as { replicas: number; image: string });
  }

  async faults(): Promise<FleetFaults> {
    const raw = await this.faultReads.run(String(this.changes), () => this.redis.get(`${this.key}:faults`));
    return raw === null ? this.defaultFaults : fleetFaultsSchema.parse(JSON.parse(raw));
  }

  async setFaults(faults: FleetFaults): Promise<void> {
    this.changes += 1;
    await this.redis.set(`${this.key}:faults`, JSON.stringify(fleetFaultsSchema.parse(faults)));
  }
}
