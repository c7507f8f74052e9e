import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fleetFaultsSchema, groupHealth, vipOutcomes, type FleetFaults, type SimulatedHost } from '../../adapters/simulated/fleet-model.js';
import { FleetState } from '../../adapters/simulated/fleet-state.js';
import { seedEntries } from '../../adapters/simulated/seed-entries.js';
import { SimulatedEffects } from '../../adapters/simulated/simulated-effects.js';
import { SimulatedPooling } from '../../adapters/simulated/simulated-pooling.js';
import { SimulationFaults } from '../../adapters/simulated/simulation-control.js';
import { simulationSettingsSchema, type SimulationSettings } from '../../adapters/simulated/simulation-settings.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { conftoolPath } from '../../core/actions.js';
import { isCutoverError } from '../../core/errors.js';
import type { Inventory } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';
import { shippedInventories } from '../helpers/config.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const LVS = 'kartotherian-k8s-ssl';
const W1 = 'wikikube-worker1001.eqiad.wmnet';
const W2 = 'wikikube-worker1002.eqiad.wmnet';
const REAL_TRAFFIC = { check: 'real-traffic', lvs_service: LVS, group: 'wikikube', settle_seconds: 0 } as const;

let redis: Redis;
let config: Config;
let inventories: Map<string, Inventory>;
let inventory: Inventory;
let settings: SimulationSettings;

beforeAll(async () => {
  await requireRedis();
  redis = new Redis(TEST_REDIS_URL);
  config = await loadConfig();
  inventories = shippedInventories(config);
  const kartotherian = inventories.get('kartotherian');
  const simulation = config.services['kartotherian']?.backends.simulation;
  if (kartotherian === undefined || simulation === undefined) throw new Error('the shipped config lost kartotherian or its simulation');
  inventory = kartotherian;
  settings = simulation;
});

afterAll(async () => {
  await redis.quit();
});

/**
 * The shipped simulated fleet, in eqiad after the LVS and CDN steps: six maps hosts pooled in
 * kartotherian-k8s-ssl at weight 10, every worker inactive, 800 req/s arriving.
 */
describe('SimulatedEffects.probeWorkers (real FleetState and simulated conftool on Redis)', () => {
  let prefix: string;
  let pooling: SimulatedPooling;
  let fleet: FleetState;
  let faults: SimulationFaults;
  let effects: SimulatedEffects;
  let slept: number[];

  beforeEach(async () => {
    prefix = uniquePrefix('sim-real-traffic');
    pooling = new SimulatedPooling(redis, prefix);
    await pooling.seed(seedEntries(config.backends.pooling, inventories));
    fleet = new FleetState(redis, prefix, 'kartotherian', settings.faults);
    faults = new SimulationFaults(fleet, inventory, pooling);
    slept = [];
    effects = new SimulatedEffects({ inventory, pooling, fleet, settings, sleep: async (ms) => void slept.push(ms) });
    await fleet.applyFeature('eqiad', 'lvs-kartotherian-k8s-ssl');
    await fleet.applyFeature('eqiad', 'ats-kartotherian-6543');
  });

  afterEach(async () => {
    await cleanupPrefix(redis, prefix);
  });

  async function set(fqdn: string, state: PoolState): Promise<void> {
    const path = conftoolPath(inventory.pool(LVS, 'eqiad'), fqdn);
    const current = await pooling.get(path);
    await pooling.compareAndSet(path, state, current?.revision ?? null);
  }

  const probe = (workers: string[], attempts = 3) => effects.probeWorkers({ dc: 'eqiad', lvsService: LVS, workers, attempts });

  it('a healthy pooled worker: every probe ok, and the k8s numbers of the same traffic model as health()', async () => {
    await set(W1, { pooled: 'yes', weight: 10 });

    const report = await probe([W1]);
    const health = await effects.health({ dc: 'eqiad', lvsService: LVS });

    expect(report.workers.get(W1)).toEqual({ ok: 3, total: 3, failures: [] });
    expect(report.vip).toEqual({ ok: 3, total: 3, failures: [] });
    expect(report.k8s).toEqual({ requestRate: health.k8s.requestRate, errorRatio: health.k8s.errorRatio });
    expect(report.k8s.requestRate).toMatchObject({ kind: 'value', value: expect.closeTo(800 / 7) as unknown });
    expect(slept).toEqual([]);
  });

  it('a broken worker answers 503 to every probe, and k8s 5xx shows it', async () => {
    await set(W1, { pooled: 'yes', weight: 10 });
    await faults.breakHosts([W1]);

    const report = await probe([W1]);

    expect(report.workers.get(W1)).toEqual({ ok: 0, total: 3, failures: ['503 ×3'] });
    expect(report.k8s.errorRatio).toEqual({ kind: 'value', value: 1 });
  });

  it('a worker whose certificate lacks the public name fails every probe with the prober’s name-mismatch code, and the CDN sees 5xx', async () => {
    await set(W1, { pooled: 'yes', weight: 10 });
    expect(await faults.wrongCert([W1])).toBe('simulated faults now: certificate lacks the public name (pass checks, fail real requests): wikikube-worker1001');

    const report = await probe([W1]);

    expect(report.workers.get(W1)).toEqual({ ok: 0, total: 3, failures: ['names ×3'] });
    expect(report.k8s.errorRatio).toEqual({ kind: 'value', value: 1 });
    expect(await faults.show()).toContain('certificate lacks the public name');
    await faults.clear();
    expect((await probe([W1])).workers.get(W1)).toEqual({ ok: 3, total: 3, failures: [] });
  });

  it('probes a worker that is not pooled: it answers on its own IP all the same, and the VIP never reaches it', async () => {
    await faults.breakHosts([W2]);

    const report = await probe([W2]);

    expect(report.workers.get(W2)).toEqual({ ok: 0, total: 3, failures: ['503 ×3'] });
    expect(report.vip).toEqual({ ok: 3, total: 3, failures: [] });
    expect(report.k8s.requestRate).toEqual({ kind: 'value', value: 0 });
  });

  it('hanging probes wait out the adapter timeout and come back as timeouts, like the production prober', async () => {
    await set(W1, { pooled: 'yes', weight: 10 });
    await faults.hang('probes');

    const report = await probe([W1, W2], 2);

    expect(slept).toEqual([settings.adapter_timeout_ms]);
    expect(report.vip).toEqual({ ok: 0, total: 2, failures: ['timeout ×2'] });
    expect(report.workers.get(W1)).toEqual({ ok: 0, total: 2, failures: ['timeout ×2'] });
    expect(report.workers.get(W2)).toEqual({ ok: 0, total: 2, failures: ['timeout ×2'] });
  });

  it('VIP requests fail in proportion to the share the failing hosts take', async () => {
    await set(W1, { pooled: 'yes', weight: 10 });
    await set(W2, { pooled: 'yes', weight: 10 });
    await faults.breakHosts([W1]);
    await faults.wrongCert([W2]);

    // Six maps and two workers at weight 10: each worker takes 1/8.
    expect((await probe([W1], 8)).vip).toEqual({ ok: 6, total: 8, failures: ['503 ×1', 'names ×1'] });
    expect((await probe([W1], 16)).vip).toEqual({ ok: 12, total: 16, failures: ['503 ×2', 'names ×2'] });
    // A share too small to show in few requests shows as none: round(3 × 1/8) = 0, round(3 × 2/8) = 1.
    expect((await probe([W1], 3)).vip).toEqual({ ok: 2, total: 3, failures: ['names ×1'] });
  });

  it('the VIP refuses connections before pybal serves the LVS service', async () => {
    const report = await effects.probeWorkers({ dc: 'codfw', lvsService: LVS, workers: ['wikikube-worker2001.codfw.wmnet'], attempts: 2 });

    expect(report.vip).toEqual({ ok: 0, total: 2, failures: ['refused ×2'] });
    expect(report.workers.get('wikikube-worker2001.codfw.wmnet')).toEqual({ ok: 2, total: 2, failures: [] });
  });

  it('refuses a host that is not a member of the pool, or too many requests, before probing anything', async () => {
    const outsider = await probe(['wikikube-worker2001.codfw.wmnet']).catch((error: unknown) => error);
    const tooMany = await probe([W1], 21).catch((error: unknown) => error);

    expect(isCutoverError(outsider, 'input.invalid')).toBe(true);
    expect(isCutoverError(tooMany, 'input.invalid')).toBe(true);
  });

  it('takes wrong certificates from the config’s faults too', async () => {
    await set(W1, { pooled: 'yes', weight: 10 });
    const configured = simulationSettingsSchema.parse({ ...settings, faults: { wrong_cert_hosts: [W1] } });
    const fromConfig = new SimulatedEffects({ inventory, pooling, fleet: new FleetState(redis, prefix, 'kartotherian', configured.faults), settings });

    expect((await fromConfig.probeWorkers({ dc: 'eqiad', lvsService: LVS, workers: [W1], attempts: 1 })).workers.get(W1)).toEqual({ ok: 0, total: 1, failures: ['names ×1'] });
  });

  it('runCheck real-traffic reports the numbers: a failure, a pass, and inconclusive without metrics', async () => {
    await set(W1, { pooled: 'yes', weight: 10 });
    const context = { dc: 'eqiad', pooled: new Map([['wikikube', [W1]]]) };

    expect(await effects.runCheck(REAL_TRAFFIC, context)).toEqual({
      ok: true,
      summary: 'wikikube-worker1001 served real requests via the VIP: probes 5/5 ok · VIP 5/5 ok · k8s 5xx 0.05% at 114 req/s',
    });
    expect(await effects.runCheck(REAL_TRAFFIC, { ...context, minRequestRate: 200 })).toMatchObject({ ok: false, inconclusive: true, summary: expect.stringMatching(/under the floor of 200 req\/s$/) as unknown });

    await faults.wrongCert([W1]);
    expect(await effects.runCheck(REAL_TRAFFIC, context)).toEqual({
      ok: false,
      summary: 'real requests fail on wikikube-worker1001 (probes 0/5: names ×5) · VIP 4/5 ok (names ×1) · k8s 5xx 100.0% at 114 req/s',
    });

    await faults.clear();
    await faults.noMetrics(true);
    expect(await effects.runCheck(REAL_TRAFFIC, context)).toEqual({
      ok: false,
      inconclusive: true,
      summary: 'wikikube-worker1001: probes 5/5 ok · VIP 5/5 ok · k8s: no data (no series); no metrics to confirm real traffic',
    });
  });

  it('a certificate without the public name fails the TLS check of its group, and the VIP check counts the host as not serving', async () => {
    await faults.wrongCert(['maps1005.eqiad.wmnet']);

    expect(await effects.runCheck({ check: 'tls-probe', group: 'maps', port: 443 }, { dc: 'eqiad', pooled: new Map() })).toEqual({
      ok: false,
      summary: 'TLS on 443: 5/6 maps hosts ok; maps1005: certificate lacks the public name',
    });
    expect(await effects.runCheck({ check: 'vip-probe', lvs_service: LVS }, { dc: 'eqiad', pooled: new Map() })).toMatchObject({ ok: true, summary: `VIP ${LVS} (eqiad): 200 image/png via 5 serving hosts` });
  });
});

describe('the fleet model with wrong certificates', () => {
  const hosts: SimulatedHost[] = [
    ...['maps1005', 'maps1006', 'maps1007'].map((name): SimulatedHost => ({ fqdn: name, group: 'bare-metal', state: { pooled: 'yes', weight: 10 } })),
    { fqdn: 'w1', group: 'k8s', state: { pooled: 'yes', weight: 10 } },
    { fqdn: 'w2', group: 'k8s', state: { pooled: 'yes', weight: 30 } },
    { fqdn: 'w3', group: 'k8s', state: { pooled: 'inactive', weight: 0 } },
  ];
  const faults = (partial: Partial<FleetFaults>): FleetFaults => fleetFaultsSchema.parse(partial);
  const traffic = { requestsPerSecond: 600, baseP99Seconds: { 'bare-metal': 0.25, k8s: 0.2 }, baseErrorRatio: 0 };

  it('counts their share as 5xx exactly like a broken host’s', () => {
    const wrongCert = groupHealth(hosts, 'k8s', faults({ wrong_cert_hosts: ['w1'] }), traffic);
    const broken = groupHealth(hosts, 'k8s', faults({ broken_hosts: ['w1'] }), traffic);

    expect(wrongCert).toEqual(broken);
    expect(wrongCert.errorRatio).toBeCloseTo(0.25);
    expect(wrongCert.requestRate).toBeCloseTo((600 * 4) / 7);
  });

  it('spreads VIP requests by weight, rounding cumulatively so the counts add up', () => {
    // w1 takes 10/70, w2 30/70.
    expect(vipOutcomes(hosts, faults({ broken_hosts: ['w1'], wrong_cert_hosts: ['w2'] }), 7)).toEqual(['503', 'names', 'names', 'names', 'ok', 'ok', 'ok']);
    expect(vipOutcomes(hosts, faults({ broken_hosts: ['w3'] }), 7)).toEqual(Array.from({ length: 7 }, () => 'ok'));
    expect(vipOutcomes(hosts.map((host) => ({ ...host, state: { pooled: 'no', weight: 10 } })), faults({}), 2)).toEqual(['refused', 'refused']);
  });
});
