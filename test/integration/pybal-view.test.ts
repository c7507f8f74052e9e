import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pybalSettingsSchema } from '../../adapters/conftool/settings.js';
import type { PybalServerState } from '../../core/ports/pybal.js';
import { PybalView, type PybalPoolRef } from '../../adapters/pybal/pybal-view.js';
import { freePort } from '../helpers/etcd-server.js';
import { startFakePybals, type FakePybal } from '../helpers/fake-pybal.js';

const POOL_NAME = 'kartotherian-k8s-ssl_6543';
const WORKER = 'wikikube-worker1001.eqiad.wmnet';
const MAPS: PybalServerState = { pooled: true, weight: 10, up: true, enabled: true };
const DISABLED: PybalServerState = { pooled: false, weight: 10, up: false, enabled: false };
/** Per-host timeout: long enough that a loaded CI box never times out a live fake, short enough to keep the hanging one cheap. */
const TIMEOUT = 1000;

describe('PybalView against fake pybal instrumentation servers on loopback addresses', () => {
  let fakes: FakePybal[];
  let port: number;
  let closedPort: number;

  beforeAll(async () => {
    const pools = { [POOL_NAME]: { 'maps1005.eqiad.wmnet': MAPS, [WORKER]: DISABLED } };
    ({ port, fakes } = await startFakePybals(
      [{ host: '127.0.0.1' }, { host: '127.0.0.2' }, { host: '127.0.0.3', mode: 'hang' }, { host: '127.0.0.4', mode: 'garbage' }],
      pools,
    ));
    closedPort = await freePort();
    // The first fetch in a process pays for loading undici; keep that out of the timed tests.
    await fetch(`http://127.0.0.1:${port}/pools`);
  });

  afterAll(async () => {
    await Promise.all(fakes.map((fake) => fake.close()));
  });

  const view = (lvsHosts: Record<string, string[]>, overrides: Partial<{ timeout_ms: number; port: number }> = {}): PybalView =>
    new PybalView(pybalSettingsSchema.parse({ lvs_hosts: lvsHosts, port, timeout_ms: TIMEOUT, poll_interval_ms: 50, confirm_timeout_ms: 2000, ...overrides }));
  const pool: PybalPoolRef = { dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl', port: 6543 };

  it('answers per LVS host: the pool from live hosts, an explicit error from the rest, within the per-host timeout', async () => {
    const started = Date.now();
    const results = await view({ eqiad: ['127.0.0.1', '127.0.0.3', '127.0.0.4', '127.0.0.5'] }).readPool(pool);
    const elapsed = Date.now() - started;
    expect(results).toEqual([
      { lvsHost: '127.0.0.1', url: `http://127.0.0.1:${port}/pools/${POOL_NAME}`, ok: true, servers: { 'maps1005.eqiad.wmnet': MAPS, [WORKER]: DISABLED } },
      { lvsHost: '127.0.0.3', url: `http://127.0.0.3:${port}/pools/${POOL_NAME}`, ok: false, error: 'timeout', detail: `no answer within ${TIMEOUT} ms` },
      expect.objectContaining({ lvsHost: '127.0.0.4', ok: false, error: 'bad-output' }),
      // Nothing listens on 127.0.0.5 at that port.
      { lvsHost: '127.0.0.5', url: `http://127.0.0.5:${port}/pools/${POOL_NAME}`, ok: false, error: 'unreachable', detail: 'ECONNREFUSED' },
    ]);
    // In parallel: one slow host costs its timeout once, not once per host.
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT - 50);
    expect(elapsed).toBeLessThan(TIMEOUT + 1000);
    expect(fakes[0]?.requests.at(-1)).toEqual({ path: `/pools/${POOL_NAME}`, accept: 'application/json' });
  });

  it('reports a pool pybal does not have as an http-error, and refuses a DC with no LVS hosts configured', async () => {
    const [result] = await view({ eqiad: ['127.0.0.1'] }).readPool({ ...pool, lvsService: 'kartotherian-nope' });
    expect(result).toMatchObject({ ok: false, error: 'http-error', detail: expect.stringMatching(/^HTTP 404: pybal has no pool kartotherian-nope_6543/) as unknown });
    await expect(view({ eqiad: ['127.0.0.1'] }).readPool({ ...pool, dc: 'codfw' })).rejects.toThrow(/No LVS hosts configured for codfw/);
    const [refused] = await view({ eqiad: ['127.0.0.1'] }, { port: closedPort }).readPool(pool);
    expect(refused).toMatchObject({ ok: false, error: 'unreachable' });
  });

  it('confirmApplied polls each LVS host until it shows the server enabled, and says when', async () => {
    const [primary, secondary] = fakes;
    primary?.setServer(POOL_NAME, WORKER, DISABLED);
    secondary?.setServer(POOL_NAME, WORKER, DISABLED);
    // pybal follows etcd within seconds; here the two LVS hosts catch up at different times.
    setTimeout(() => primary?.setServer(POOL_NAME, WORKER, { pooled: true, weight: 10, up: true, enabled: true }), 100);
    setTimeout(() => secondary?.setServer(POOL_NAME, WORKER, { pooled: false, weight: 10, up: false, enabled: true }), 300);
    const results = await view({ eqiad: ['127.0.0.1', '127.0.0.2'] }).confirmApplied(pool, WORKER, { pooled: 'yes', weight: 10 });
    expect(results).toEqual([
      { lvsHost: '127.0.0.1', outcome: 'applied', observed: { pooled: true, weight: 10, up: true, enabled: true }, elapsedMs: expect.any(Number) as unknown },
      // Enabled is what conftool controls; down and not pooled is pybal's health check talking, reported as observed.
      { lvsHost: '127.0.0.2', outcome: 'applied', observed: { pooled: false, weight: 10, up: false, enabled: true }, elapsedMs: expect.any(Number) as unknown },
    ]);
    expect(results[0]?.elapsedMs).toBeGreaterThanOrEqual(90);
    expect(results[1]?.elapsedMs).toBeGreaterThanOrEqual(290);
    expect(results[1]?.elapsedMs).toBeLessThan(2000);
  });

  it('confirms a depool (disabled) and an inactive (removed from the pool)', async () => {
    const [primary, secondary] = fakes;
    primary?.setServer(POOL_NAME, WORKER, DISABLED);
    secondary?.setServer(POOL_NAME, WORKER, DISABLED);
    const eqiad = view({ eqiad: ['127.0.0.1', '127.0.0.2'] });
    expect((await eqiad.confirmApplied(pool, WORKER, { pooled: 'no' })).map((result) => result.outcome)).toEqual(['applied', 'applied']);
    setTimeout(() => {
      primary?.removeServer(POOL_NAME, WORKER);
      secondary?.removeServer(POOL_NAME, WORKER);
    }, 100);
    const removed = await eqiad.confirmApplied(pool, WORKER, { pooled: 'inactive' });
    expect(removed.map((result) => [result.outcome, result.observed])).toEqual([
      ['applied', null],
      ['applied', null],
    ]);
  });

  it('stops at the deadline: a host that never shows the change is pending, a host that never answers is an error', async () => {
    const [primary] = fakes;
    primary?.setServer(POOL_NAME, WORKER, DISABLED);
    const started = Date.now();
    const results = await view({ eqiad: ['127.0.0.1', '127.0.0.3', '127.0.0.4'] }).confirmApplied(pool, WORKER, { pooled: 'yes' }, 1500);
    const elapsed = Date.now() - started;
    expect(results).toEqual([
      { lvsHost: '127.0.0.1', outcome: 'pending', observed: DISABLED, elapsedMs: expect.any(Number) as unknown },
      { lvsHost: '127.0.0.3', outcome: 'error', error: { kind: 'timeout', detail: `no answer within ${TIMEOUT} ms` }, elapsedMs: expect.any(Number) as unknown },
      { lvsHost: '127.0.0.4', outcome: 'error', error: { kind: 'bad-output', detail: expect.stringContaining('not a pybal pool') as unknown }, elapsedMs: expect.any(Number) as unknown },
    ]);
    // Bounded by the deadline plus at most one per-host timeout for the round in flight.
    expect(elapsed).toBeGreaterThanOrEqual(1450);
    expect(elapsed).toBeLessThan(1500 + TIMEOUT + 700);
  });

  it('is cancelled by its signal while waiting', async () => {
    const [primary] = fakes;
    primary?.setServer(POOL_NAME, WORKER, DISABLED);
    const controller = new AbortController();
    const cancellable = new PybalView(pybalSettingsSchema.parse({ lvs_hosts: { eqiad: ['127.0.0.1'] }, port, poll_interval_ms: 50 }), { signal: controller.signal });
    setTimeout(() => controller.abort(), 150);
    await expect(cancellable.confirmApplied(pool, WORKER, { pooled: 'yes' }, 10_000)).rejects.toMatchObject({ code: 'adapter.cancelled' });
  });
});
