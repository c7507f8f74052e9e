import type { Redis } from 'ioredis';
import type { Fence } from '../core/ports/fence.js';
import type { LeaderRecord, LeadershipView } from '../core/ports/leadership.js';
import type { LeaderLease } from './leader-lease.js';

export interface LeadershipOptions {
  lease: LeaderLease;
  instance: string;
  /** A connection of its own for SUBSCRIBE (a subscribed connection can do nothing else). */
  subscriber: Redis;
  renewMs: number;
  /** How often a standby tries the lease besides the release message: a dead leader publishes nothing. */
  pollMs: number;
  /** Starts what the leader alone runs; its fence is this term's token. */
  elected(fence: Fence, token: number): Promise<void>;
  /** Stops it: `lost` at once (someone else may lead already), `handover` after in-flight work settles. */
  deposed(how: 'lost' | 'handover'): Promise<void>;
  /** This instance stands by while `holder` leads (said once per holder). */
  standingBy(holder: LeaderRecord | undefined): void;
  log(level: 'info' | 'warn', message: string, error?: unknown): void;
}

/**
 * Contests the leader lease for as long as the process runs: a standby tries it every `pollMs`
 * and at once when the holder publishes its release; the leader renews every `renewMs` and steps
 * down by itself the moment its own deadline passes, whether or not Redis answers. Elections and
 * depositions run one at a time, in order.
 */
export class Leadership implements LeadershipView {
  readonly instance: string;
  private leading = false;
  private stopped = false;
  private renewing = false;
  private poll: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private transitions: Promise<void> = Promise.resolve();
  private lastStandby: number | null = null;
  private contestFailing = false;
  private handingOver = false;

  constructor(private readonly options: LeadershipOptions) {
    this.instance = options.instance;
  }

  /** Tries once now (so a lone instance leads before this resolves), then keeps contesting. */
  async start(): Promise<void> {
    const { subscriber, lease } = this.options;
    subscriber.on('message', (channel: string) => {
      if (channel === lease.releasedChannel) void this.contest();
    });
    await subscriber.subscribe(lease.releasedChannel);
    this.poll = setInterval(() => void this.contest(), this.options.pollMs);
    await this.contest();
  }

  get isLeading(): boolean {
    return this.leading && !this.handingOver && this.options.lease.holdsLocally();
  }

  async describe(): Promise<{ leader: LeaderRecord | undefined; leading: boolean }> {
    return { leader: await this.options.lease.current(), leading: this.isLeading };
  }

  /** Graceful handover: the leader's parts settle and stop, then the lease is released and published. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.serially(async () => {
      if (!this.leading) return;
      // Nothing new is answered from here, but the lease is renewed until the lines in flight have settled.
      this.handingOver = true;
      await this.options.deposed('handover');
      this.leading = false;
      clearInterval(this.renewTimer);
      await this.options.lease.release().catch((error: unknown) => this.options.log('warn', 'could not release the leader lease; it expires by itself', error));
    });
    await this.options.subscriber.quit().catch(() => this.options.subscriber.disconnect());
  }

  private contest(): Promise<void> {
    return this.serially(async () => {
      if (this.stopped || this.leading) return;
      const { lease } = this.options;
      const token = await lease.acquire().catch((error: unknown) => {
        // Said once per outage: a standby tries every second.
        if (!this.contestFailing) this.options.log('warn', 'could not contest the leader lease', error);
        this.contestFailing = true;
        return undefined;
      });
      if (token !== undefined) this.contestFailing = false;
      if (token === undefined) {
        const holder = await lease.current().catch(() => undefined);
        const key = holder?.token ?? 0;
        if (this.lastStandby !== key) this.options.standingBy(holder);
        this.lastStandby = key;
        return;
      }
      this.leading = true;
      this.lastStandby = null;
      // Renewal runs while the leader's parts start: connecting to Slack may take longer than a lease.
      this.renewTimer = setInterval(() => void this.renew(), this.options.renewMs);
      this.options.log('info', `leading with lease ${token}`);
      try {
        await this.options.elected(lease.fence(), token);
      } catch (error) {
        this.options.log('warn', 'could not start leading; giving the lease up', error);
        this.leading = false;
        clearInterval(this.renewTimer);
        await lease.release().catch(() => lease.forget());
      }
    });
  }

  private async renew(): Promise<void> {
    const { lease } = this.options;
    if (!this.leading || this.renewing) {
      if (this.leading && !lease.holdsLocally()) this.lapse('its deadline passed while renewing hung');
      return;
    }
    if (!lease.holdsLocally()) {
      this.lapse('its deadline passed before it could renew');
      return;
    }
    this.renewing = true;
    try {
      if (!(await lease.renew())) this.lapse('someone else holds it');
    } catch (error) {
      this.options.log('warn', 'could not renew the leader lease; retrying until it runs out', error);
      if (!lease.holdsLocally()) this.lapse('Redis did not answer before it ran out');
    } finally {
      this.renewing = false;
    }
  }

  /** Lost: every leader part stops at once, then the instance contests again as a standby. */
  private lapse(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    clearInterval(this.renewTimer);
    this.options.lease.forget();
    this.options.log('warn', `lost the leader lease (${why}); stopping the leader's work and standing by`);
    void this.serially(() => this.options.deposed('lost'));
  }

  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.transitions.then(step).catch((error: unknown) => this.options.log('warn', 'leadership change failed', error));
    this.transitions = next;
    return next;
  }
}
