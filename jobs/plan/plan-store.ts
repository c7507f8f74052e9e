import type { Redis } from 'ioredis';
import { CutoverError } from '../../core/errors.js';
import { planRunSchema, type PlanRun } from '../../core/plan/run-state.js';
import type { FenceScope } from '../fence-scope.js';

const UPDATE = `
local current = redis.call('HGET', KEYS[1], 'version')
if (current or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'version', tostring(tonumber(ARGV[1]) + 1))
return 1
`;

/**
 * A plan run and its journal as one versioned record: every change is compare-and-swap, so two
 * processes (a tick and a command) can never interleave half-updates, and a restart finds
 * exactly what was last written.
 */
export class PlanStore {
  /**
   * This process's updates of one plan, one after another: a wave's writes land a few at once and
   * each records its journal entry, and eight compare-and-swaps racing on one record from the
   * same process would only retry each other out (a 50-worker wave on the lab ran out of tries).
   * Other processes still meet the compare-and-swap.
   */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** A step's work taken over by another worker (it stalled past its job's lock) changes the plan no more. */
    private readonly fences?: Pick<FenceScope, 'check'>,
  ) {}

  async get(plan: string): Promise<PlanRun | undefined> {
    return (await this.read(plan))?.run;
  }

  /** Creates the run with `initial` when absent, then applies `change` atomically. */
  async update(plan: string, initial: () => PlanRun, change: (current: PlanRun) => PlanRun): Promise<PlanRun> {
    await this.fences?.check();
    const mine = (this.queues.get(plan) ?? Promise.resolve()).catch(() => undefined).then(() => this.updateNow(plan, initial, change));
    this.queues.set(plan, mine);
    try {
      return await mine;
    } finally {
      if (this.queues.get(plan) === mine) this.queues.delete(plan);
    }
  }

  private async updateNow(plan: string, initial: () => PlanRun, change: (current: PlanRun) => PlanRun): Promise<PlanRun> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const current = await this.read(plan);
      const next = planRunSchema.parse(change(current?.run ?? initial()));
      const written = await this.redis.eval(UPDATE, 1, this.key(plan), current?.version ?? '0', JSON.stringify(next));
      if (written === 1) return next;
      // Lost to another process: a process with a queue of updates would otherwise win every round
      // (its next read goes out the moment its write lands) and starve the other one out of tries.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * (attempt + 1)));
    }
    throw new CutoverError('request.not-pending', `The plan ${plan} kept changing under us; try again.`);
  }

  async reset(plan: string): Promise<void> {
    await this.redis.del(this.key(plan));
  }

  private async read(plan: string): Promise<{ run: PlanRun; version: string } | undefined> {
    const [json, version] = await this.redis.hmget(this.key(plan), 'json', 'version');
    if (json === null || json === undefined || version === null || version === undefined) return undefined;
    return { run: planRunSchema.parse(JSON.parse(json)), version };
  }

  private key(plan: string): string {
    return `${this.prefix}:plan:${plan}`;
  }
}
