/**
 * The guard (jobs/guard/pool-guard.ts) on real Redis: proof records in ProofStore, its own state
 * and tick lock in GuardState, and what it says going through a real BullMQ outbox queue, read
 * back as the delivery worker would. conftool is the hand-written FakePooling and real traffic a
 * scripted prober, both injected through constructors; time is a FixedClock moved by hand.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HealthSnapshot } from '../../core/ports/plan-effects.js';
import type { RealTrafficReport } from '../../core/ports/real-traffic.js';
import { seedEntries } from '../../adapters/simulated/seed-entries.js';
import { conftoolPath } from '../../core/actions.js';
import type { Inventory, PoolRef } from '../../core/inventory.js';
import { analysisSettingsSchema } from '../../core/plan/analysis.js';
import type { WorkerRecord } from '../../core/policy/worker-proof.js';
import type { PoolState } from '../../core/pool-state.js';
import { GuardState } from '../../jobs/guard/guard-state.js';
import { GuardVoice } from '../../jobs/guard/guard-voice.js';
import { PoolGuard, type GuardSettings, type PoolGuardDeps } from '../../jobs/guard/pool-guard.js';
import { ProofStore } from '../../jobs/guard/proof-store.js';
import { WorkerProofs } from '../../jobs/guard/worker-proofs.js';
import { Notifier, type ChannelMessage } from '../../jobs/notifier.js';
import { PoolWriter } from '../../jobs/pool-writer.js';
import { notifyQueueName } from '../../jobs/queue-names.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { ScriptedProber } from '../helpers/fake-safety.js';
import { DEFAULT_NOW, FakePooling, FixedClock, MemoryAudit } from '../helpers/fakes.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const SERVICE = 'kartotherian';
const K8S: PoolRef = { lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' };
const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const W1002 = 'wikikube-worker1002.eqiad.wmnet';
const MAPS = ['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010'].map((name) => `${name}.eqiad.wmnet`);
const YES: PoolState = { pooled: 'yes', weight: 10 };
/** Where the guard speaks when a worker was not pooled from a channel (the plan's, or the first configured). */
const FALLBACK = { transport: 'irc', channel: '#wikimedia-operations' };
/** alice asked for the pool in request k7qm, from serviceops' channel. */
const ALICE: NonNullable<WorkerRecord['pooledBy']> = { by: 'alice', requestId: 'k7qm', task: 'T378944', reason: 'first canary', transport: 'irc', channel: '#wikimedia-serviceops' };

const SETTINGS: GuardSettings = {
  intervalMs: 5_000,
  probeAttempts: 2,
  confirmAttempts: 3,
  proveMs: 60_000,
  minRequestRate: 1,
  analysis: analysisSettingsSchema.parse({}),
  analysisIntervalMs: 60_000,
};

/** The scripted prober, also noting how many requests each round sent: the confirmation is its own round. */
class CountingProber extends ScriptedProber {
  readonly attempts: number[] = [];
  /** While set, every round waits for it: a tick held in the middle of its probes. */
  gate: Promise<void> | undefined;
  /** Runs after each round has been answered: the world changing between two rounds. */
  afterRound: (() => void) | undefined;

  override async probeWorkers(args: { dc: string; lvsService: string; workers: readonly string[]; attempts: number }): Promise<RealTrafficReport> {
    // The gate in place when the round starts holds it, so two held ticks can be let go one at a time.
    const gate = this.gate;
    this.attempts.push(args.attempts);
    const report = await super.probeWorkers(args);
    this.afterRound?.();
    await gate;
    return report;
  }
}

let redis: Redis;
let inventories: ReadonlyMap<string, Inventory>;
let seed: ReturnType<typeof seedEntries>;

beforeAll(async () => {
  await requireRedis();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const config = await loadShippedConfig();
  inventories = shippedInventories(config);
  seed = seedEntries(config.backends.pooling, inventories);
});

afterAll(async () => {
  await redis.quit();
});

interface World {
  prefix: string;
  pooling: FakePooling;
  clock: FixedClock;
  prober: CountingProber;
  proofs: WorkerProofs;
  store: ProofStore;
  state: GuardState;
  writer: PoolWriter;
  audit: MemoryAudit;
  outbox: Queue<ChannelMessage>;
  depooled: [string, string, string][];
  guard: (extra?: Partial<PoolGuardDeps>) => PoolGuard;
  /** Everything said so far, oldest first, as the delivery worker would take it. */
  said: () => Promise<ChannelMessage[]>;
}

let world: World;

beforeEach(async () => {
  const prefix = uniquePrefix('pool-guard');
  const pooling = new FakePooling(seed);
  const clock = new FixedClock(DEFAULT_NOW);
  const prober = new CountingProber();
  const store = new ProofStore(redis, prefix);
  const proofs = new WorkerProofs({ store, probers: new Map([[SERVICE, prober]]), settings: () => SETTINGS, clock });
  const writer = new PoolWriter({ pooling, inventories, proofs });
  const state = new GuardState(redis, prefix);
  const audit = new MemoryAudit();
  const outbox = new Queue<ChannelMessage>(notifyQueueName('irc'), { connection: redis, prefix });
  const notifier = new Notifier((transport) => (transport === 'irc' ? outbox : undefined));
  const voice = new GuardVoice({ service: SERVICE, notifier, audit, fallback: async () => FALLBACK, task: 'T378944', clock });
  const inventory = inventories.get(SERVICE);
  if (inventory === undefined) throw new Error('the shipped config has no kartotherian');
  const depooled: [string, string, string][] = [];
  const guard = (extra: Partial<PoolGuardDeps> = {}) =>
    new PoolGuard({
      service: SERVICE,
      inventory,
      pooling,
      proofs,
      writer,
      voice,
      state,
      settings: SETTINGS,
      clock,
      onDepooled: async (dc, fqdn, why) => void depooled.push([dc, fqdn, why]),
      ...extra,
    });
  const said = async () => {
    const jobs = await outbox.getJobs(['waiting'], 0, -1, true);
    return jobs.map((job) => job.data);
  };
  world = { prefix, pooling, clock, prober, proofs, store, state, writer, audit, outbox, depooled, guard, said };
});

afterEach(async () => {
  await world.outbox.close();
  await cleanupPrefix(redis, world.prefix);
});

/** A worker cutover pooled for alice: pooled=yes in conftool, and the record the writer starts. */
async function pooledByAlice(fqdn: string): Promise<void> {
  world.pooling.put(conftoolPath(K8S, fqdn), YES);
  await world.proofs.pooled(SERVICE, K8S, fqdn, ALICE);
}

const texts = (messages: readonly ChannelMessage[]) => messages.map((message) => message.text);

describe('a pooled worker that fails real requests', () => {
  const FAILS = 'wikikube-worker1001 fails real requests: probes 0/3 (503 ×3) · VIP 3/3 ok · k8s 5xx 100.0% at 100 req/s';

  it('is confirmed with a second round, depooled through the writer, verified, and said with the numbers, the requester and the task', async () => {
    await pooledByAlice(W1001);
    world.prober.failing.set(W1001, '503');

    expect(await world.guard().tick()).toBe('ran');

    // One round of the usual 2 requests, then 3 more to confirm before acting.
    expect(world.prober.calls).toEqual([[W1001], [W1001]]);
    expect(world.prober.attempts).toEqual([2, 3]);
    expect(world.pooling.writes.map((write) => [write.path, write.next])).toEqual([[conftoolPath(K8S, W1001), { pooled: 'no', weight: 10 }]]);
    expect(world.pooling.peek(conftoolPath(K8S, W1001))).toEqual({ pooled: 'no', weight: 10 });
    expect(await world.said()).toEqual([
      {
        channel: '#wikimedia-serviceops',
        kind: 'error',
        urgency: 'safety',
        text: `⏪ guard depooled wikikube-worker1001 from kartotherian-k8s-ssl (eqiad), verified: ${FAILS} · after: 6 serving of 7 counted (inactive excluded) ≥ floor 4 = ceil(7 × 0.5) · pybal could eject 2 failing host(s); unproven workers: 0`,
      },
      {
        channel: '#wikimedia-serviceops',
        kind: 'progress',
        text: `!log cutover-guard@cutover conftool wikikube-worker1001.eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10 - guard: ${FAILS} - pooled by alice in k7qm - T378944`,
      },
    ]);
    expect(world.audit.entries).toEqual([{ event: 'guard.depooled', service: SERVICE, who: 'cutover-guard', where: 'guard', detail: `${W1001} kartotherian-k8s-ssl (eqiad): ${FAILS}` }]);
    expect(world.depooled).toEqual([['eqiad', W1001, FAILS]]);
    // It left the pool: its record goes with it, and the next tick has nothing to say.
    expect(await world.store.all(SERVICE, K8S)).toEqual(new Map());
    world.clock.advance(SETTINGS.intervalMs);
    expect(await world.guard().tick()).toBe('ran');
    expect(await world.said()).toHaveLength(2);
    expect(await world.state.lastTick(SERVICE)).toBe(DEFAULT_NOW + SETTINGS.intervalMs);
  });

  it('is left pooled when the confirmation round passes: one lost request is not an outage', async () => {
    await pooledByAlice(W1001);
    world.prober.failing.set(W1001, '503');
    // The first round fails, the confirmation passes.
    world.prober.afterRound = () => world.prober.failing.delete(W1001);
    await world.guard().tick();
    expect(world.prober.attempts).toEqual([2, 3]);
    expect(world.pooling.writes).toEqual([]);
    expect(world.pooling.peek(conftoolPath(K8S, W1001))).toEqual(YES);
    expect(await world.said()).toEqual([]);
    expect((await world.store.all(SERVICE, K8S)).get(W1001)?.lastCheck?.verdict).toBe('serving');
  });

  it('when the policy refuses the depool (it would empty the pool), says 🚨 once with what to do, not every tick', async () => {
    await pooledByAlice(W1001);
    for (const fqdn of MAPS) world.pooling.put(conftoolPath(K8S, fqdn), { pooled: 'no', weight: 10 });
    world.prober.failing.set(W1001, '503');

    await world.guard().tick();
    const alarm =
      '🚨 wikikube-worker1001 fails real requests in kartotherian-k8s-ssl (eqiad) and cutover may not depool it: ' +
      'Refused at execution: that would leave nothing pooled in kartotherian-k8s-ssl (eqiad), which takes traffic · after: 0 serving of 7 counted (inactive excluded) < floor 4 = ceil(7 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0; nothing was written. · ' +
      `${FAILS}. Repool bare metal now (!kartotherian emergency-stop does it, bare metal first), then depool the worker.`;
    expect(await world.said()).toEqual([{ channel: '#wikimedia-serviceops', kind: 'error', urgency: 'safety', text: alarm }]);
    expect(world.pooling.writes).toEqual([]);

    for (let tick = 0; tick < 3; tick += 1) {
      world.clock.advance(SETTINGS.intervalMs);
      await world.guard().tick();
    }
    expect(texts(await world.said())).toEqual([alarm]);
    expect(world.audit.events()).toEqual(['guard.refused']);
    expect(world.pooling.peek(conftoolPath(K8S, W1001))).toEqual(YES);
    expect(world.depooled).toEqual([]);
  });

  it('says 🚨 again when the worker recovered and then fails again: a new failure is never passed over in silence', async () => {
    await pooledByAlice(W1001);
    for (const fqdn of MAPS) world.pooling.put(conftoolPath(K8S, fqdn), { pooled: 'no', weight: 10 });
    world.prober.failing.set(W1001, '503');
    await world.guard().tick();
    world.prober.failing.delete(W1001);
    world.clock.advance(SETTINGS.intervalMs);
    await world.guard().tick();
    world.prober.failing.set(W1001, '503');
    world.clock.advance(SETTINGS.intervalMs);
    await world.guard().tick();
    expect(texts(await world.said()).filter((text) => text.startsWith('🚨'))).toHaveLength(2);
    expect(world.audit.events()).toEqual(['guard.refused', 'guard.refused']);
  });
});

describe('said once each', () => {
  it('inconclusive (too little traffic to prove anything) is said once, in the channel the worker was pooled from', async () => {
    await pooledByAlice(W1001);
    world.prober.requestRate = 0.5;
    await world.guard().tick();
    const inconclusive = {
      channel: '#wikimedia-serviceops',
      kind: 'result',
      text: '❔ inconclusive, not proven: wikikube-worker1001: probes 2/2, but k8s traffic 0.5 req/s is under the floor of 1 req/s · k8s 5xx 0.05% at 0.5 req/s in kartotherian-k8s-ssl (eqiad); it is not counted as capacity until real traffic shows it serving',
    };
    expect(await world.said()).toEqual([inconclusive]);
    for (let tick = 0; tick < 3; tick += 1) {
      world.clock.advance(SETTINGS.intervalMs);
      await world.guard().tick();
    }
    expect(await world.said()).toEqual([inconclusive]);
    expect((await world.store.all(SERVICE, K8S)).get(W1001)?.announced).toBe('inconclusive');
    expect(world.pooling.writes).toEqual([]);
  });

  it('proven is said once, when a check lands proveMs into an unbroken run', async () => {
    await pooledByAlice(W1001);
    for (let tick = 0; tick <= 12; tick += 1) {
      await world.guard().tick();
      world.clock.advance(SETTINGS.intervalMs);
    }
    const proven = '✅ wikikube-worker1001 is proven in kartotherian-k8s-ssl (eqiad): real requests served for 1m without a failure · wikikube-worker1001 serves real requests: probes 2/2 · VIP 2/2 ok · k8s 5xx 0.05% at 100 req/s';
    expect(await world.said()).toEqual([{ channel: '#wikimedia-serviceops', kind: 'progress', text: proven }]);
    expect((await world.store.all(SERVICE, K8S)).get(W1001)).toMatchObject({ servingSince: DEFAULT_NOW, provenAt: DEFAULT_NOW + 60_000, announced: 'proven', pooledBy: ALICE });
    await world.guard().tick();
    expect(texts(await world.said())).toEqual([proven]);
  });
});

describe('workers pooled outside the bot, and workers gone', () => {
  it('a worker pooled by confctl is adopted as drift (👁), watched, and depooled like any other when it fails', async () => {
    world.pooling.put(conftoolPath(K8S, W1002), YES);
    await world.guard().tick();
    const drift = {
      channel: '#wikimedia-operations',
      kind: 'result',
      text: '👁 drift: wikikube-worker1002 is pooled in kartotherian-k8s-ssl (eqiad) but cutover did not pool it (confctl or a cookbook?); watching it with real requests, and it is not capacity until it has served them for 1m',
    };
    expect(await world.said()).toEqual([drift]);
    expect(world.audit.entries).toEqual([{ event: 'guard.drift', service: SERVICE, who: 'cutover-guard', where: 'guard', detail: `${W1002} pooled in kartotherian-k8s-ssl (eqiad) outside cutover` }]);
    expect((await world.store.all(SERVICE, K8S)).get(W1002)).toEqual({
      fqdn: W1002,
      pooledSince: DEFAULT_NOW,
      servingSince: DEFAULT_NOW,
      lastCheck: { at: DEFAULT_NOW, verdict: 'serving', summary: 'wikikube-worker1002 serves real requests: probes 2/2 · VIP 2/2 ok · k8s 5xx 0.05% at 100 req/s', headline: 'probes 2/2' },
      announced: 'outside',
    });

    world.clock.advance(SETTINGS.intervalMs);
    world.prober.failing.set(W1002, 'timeout');
    await world.guard().tick();
    const said = texts(await world.said());
    expect(said).toHaveLength(3);
    expect(said[0]).toBe(drift.text);
    expect(said[1]).toMatch(/^⏪ guard depooled wikikube-worker1002 from kartotherian-k8s-ssl \(eqiad\), verified: wikikube-worker1002 fails real requests: probes 0\/3 \(timeout ×3\)/);
    // Nobody in cutover asked for it: the line says so, and is logged against the service's task.
    expect(said[2]).toBe(
      '!log cutover-guard@cutover conftool wikikube-worker1002.eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10 - guard: wikikube-worker1002 fails real requests: probes 0/3 (timeout ×3) · VIP 3/3 ok · k8s 5xx 100.0% at 100 req/s - pooled outside cutover - T378944',
    );
  });

  it('the records of workers no longer pooled are dropped, and nothing is probed', async () => {
    await pooledByAlice(W1001);
    // Someone depooled it with confctl: the proof it had is void.
    world.pooling.put(conftoolPath(K8S, W1001), { pooled: 'no', weight: 10 });
    // A never-checked record is kept for 10 s (the writer records a joining worker before its pool
    // write lands, and a tick's pool read may predate that write); past that it is dropped.
    await world.guard().tick();
    expect([...(await world.store.all(SERVICE, K8S)).keys()]).toEqual([W1001]);
    world.clock.advance(10_001);
    await world.guard().tick();
    expect(await world.store.all(SERVICE, K8S)).toEqual(new Map());
    expect(world.prober.calls).toEqual([]);
    expect(await world.said()).toEqual([]);
  });
});

describe('health analysis from Prometheus', () => {
  const reading = (value: number) => ({ kind: 'value' as const, value });
  const breach: HealthSnapshot = {
    k8s: { errorRatio: reading(0.2), p99Seconds: reading(0.2), requestRate: reading(100) },
    baseline: { kind: 'probe-sample', requests: 30, failed: 0, p99Seconds: 0.2, hosts: 6 },
    k8sShare: reading(0.17),
    cdn: { errorRatio: reading(0.03), p99Seconds: reading(0.2), requestRate: reading(600) },
  };
  const numbers = '5xx 20.0% > max 1.0% · 5xx 20.0% · p99 200ms · 100 req/s on k8s · bare metal (probe sample, 30 requests to 6 hosts): 0.00% failed, p99 200ms';

  it('after failure_limit failed analyses, the newest worker is depooled (the change most likely to blame)', async () => {
    await pooledByAlice(W1001);
    world.clock.advance(10_000);
    await pooledByAlice(W1002);
    const asked: string[] = [];
    const guard = world.guard({ health: async (pool) => (asked.push(`${pool.lvsService} (${pool.dc})`), breach) });

    await guard.tick();
    expect(texts(await world.said())).toEqual([`⚠ guard: kartotherian-k8s-ssl (eqiad) failed health check 1/2: ${numbers}`]);
    expect(await world.state.analysis(SERVICE, 'eqiad:kartotherian-k8s-ssl')).toEqual({ at: DEFAULT_NOW + 10_000, failures: 1, announced: 'fail' });

    // Before the analysis interval nothing is asked again.
    world.clock.advance(SETTINGS.intervalMs);
    await guard.tick();
    expect(asked).toEqual(['kartotherian-k8s-ssl (eqiad)']);

    world.clock.advance(SETTINGS.analysisIntervalMs);
    await guard.tick();
    expect(asked).toHaveLength(2);
    expect(world.pooling.writes.map((write) => [write.path, write.next])).toEqual([[conftoolPath(K8S, W1002), { pooled: 'no', weight: 10 }]]);
    expect(world.pooling.peek(conftoolPath(K8S, W1001))).toEqual(YES);
    const said = texts(await world.said()).filter((text) => !text.startsWith('✅'));
    expect(said.slice(1)).toEqual([
      `⏪ guard depooled wikikube-worker1002 from kartotherian-k8s-ssl (eqiad), verified: health breach: ${numbers} · after: 7 serving of 8 counted (inactive excluded) ≥ floor 4 = ceil(8 × 0.5) · pybal could eject 3 failing host(s); unproven workers: 0`,
      `!log cutover-guard@cutover conftool wikikube-worker1002.eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=yes → no weight=10 - guard: health breach: ${numbers} - pooled by alice in k7qm - T378944`,
    ]);
    expect(world.depooled).toEqual([['eqiad', W1002, `health breach: ${numbers}`]]);
    // The count starts over: the next failed analysis is 1/2 again, not another depool.
    expect(await world.state.analysis(SERVICE, 'eqiad:kartotherian-k8s-ssl')).toMatchObject({ failures: 0 });
  });

  it('Prometheus down in one DC is inconclusive, said once, and the other DC is still probed', async () => {
    await pooledByAlice(W1001);
    const codfw: PoolRef = { ...K8S, dc: 'codfw' };
    const W2001 = 'wikikube-worker2001.codfw.wmnet';
    world.pooling.put(conftoolPath(codfw, W2001), YES);
    await world.proofs.pooled(SERVICE, codfw, W2001, ALICE);
    world.prober.failing.set(W2001, '503');
    const healthy: HealthSnapshot = { ...breach, k8s: { ...breach.k8s, errorRatio: reading(0.0005) } };
    const guard = world.guard({
      health: async (pool) => {
        if (pool.dc === 'eqiad') throw new Error('Prometheus eqiad did not answer in 5000 ms');
        return healthy;
      },
    });

    expect(await guard.tick()).toBe('ran');
    expect(world.pooling.peek(conftoolPath(codfw, W2001))).toEqual({ pooled: 'no', weight: 10 });
    const unreadable = '❔ guard: health of kartotherian-k8s-ssl (eqiad) is inconclusive (metrics could not be read: Prometheus eqiad did not answer in 5000 ms) · no health figures; not counted as a pass';
    expect(texts(await world.said()).filter((text) => text.startsWith('❔'))).toEqual([unreadable]);
    expect(await world.state.lastTick(SERVICE)).toBe(DEFAULT_NOW);

    world.clock.advance(SETTINGS.analysisIntervalMs);
    await guard.tick();
    expect(texts(await world.said()).filter((text) => text.startsWith('❔'))).toEqual([unreadable]);
    expect(await world.state.analysis(SERVICE, 'eqiad:kartotherian-k8s-ssl')).toEqual({ at: DEFAULT_NOW + SETTINGS.analysisIntervalMs, failures: 0, announced: 'inconclusive' });
  });

  it("is left to the plan while the plan's own soak analyses the DC", async () => {
    await pooledByAlice(W1001);
    let asked = 0;
    const guard = world.guard({ health: async () => (asked += 1, breach), planAnalyses: async (dc) => dc === 'eqiad' });
    for (let tick = 0; tick < 3; tick += 1) {
      await guard.tick();
      world.clock.advance(SETTINGS.analysisIntervalMs);
    }
    expect(asked).toBe(0);
    expect(await world.state.analysis(SERVICE, 'eqiad:kartotherian-k8s-ssl')).toBeUndefined();
    expect(world.pooling.writes).toEqual([]);
  });
});

describe('one tick at a time', () => {
  it('a second tick while one is running says busy, in this process or another sharing the Redis; the lock is freed after', async () => {
    await pooledByAlice(W1001);
    let release: () => void = () => undefined;
    world.prober.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = world.guard().tick();
    while (world.prober.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    expect(await world.guard().tick()).toBe('busy');
    const otherProcess = new Redis(TEST_REDIS_URL);
    try {
      const otherState = new GuardState(otherProcess, world.prefix);
      expect(await world.guard({ state: otherState }).tick()).toBe('busy');
    } finally {
      await otherProcess.quit();
    }
    expect(world.prober.calls).toHaveLength(1);

    release();
    expect(await first).toBe('ran');
    world.prober.gate = undefined;
    expect(await world.guard().tick()).toBe('ran');
    expect(world.prober.calls).toHaveLength(2);
  });

  it('a tick that outlived its lock does not free the lock of the tick that took over', async () => {
    await pooledByAlice(W1001);
    const held = async () => {
      while (world.prober.calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    let releaseFirst: () => void = () => undefined;
    world.prober.gate = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    const first = world.guard().tick();
    while (world.prober.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The first tick hangs past its lock's TTL (30 s at least): the lock expires under it.
    await redis.pexpire(`${world.prefix}:guard:${SERVICE}:tick`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    let releaseSecond: () => void = () => undefined;
    world.prober.gate = new Promise<void>((resolve) => {
      releaseSecond = resolve;
    });
    const second = world.guard().tick();
    await held();

    releaseFirst();
    expect(await first).toBe('ran');
    // The second tick still runs and holds the lock: a third must wait.
    world.prober.gate = undefined;
    expect(await world.guard().tick()).toBe('busy');
    releaseSecond();
    expect(await second).toBe('ran');
    expect(await world.guard().tick()).toBe('ran');
  });
});
