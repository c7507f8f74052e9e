import { describe, expect, it } from 'vitest';
import type { PoolObserver } from '../../core/ports/pool-observer.js';
import type { AuditFilter, AuditReader, AuditRecord } from '../../core/ports/stores.js';
import type { PlanControl, PlanProgress } from '../../core/ports/plan-control.js';
import { buildStatusSnapshot, type ServiceStatus, type StatusSources } from '../../bot/status-page/status-snapshot.js';
import { actionHash, conftoolPath, describeAction, type SetPooledAction } from '../../core/actions.js';
import { newWorkerRecord, recordCheck } from '../../core/policy/worker-proof.js';
import { watchStatus } from '../../core/watch.js';
import type { Inventory } from '../../core/inventory.js';
import type { HealthHistory, HealthSample } from '../../jobs/health-samples.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { DEFAULT_NOW, makeDeps, type Fakes } from '../helpers/fakes.js';

const PROGRESS: PlanProgress = {
  plan: 'kartotherian-to-wikikube',
  task: 'T378944',
  phase: 'awaiting-approval',
  position: 'eqiad step 2/8 lvs-k8s-service',
  datacenters: [
    { dc: 'eqiad', steps: [{ id: 'nginx-tls-6543', title: 'nginx', mark: 'done' }, { id: 'lvs-k8s-service', title: 'LVS', mark: 'current' }] },
    { dc: 'codfw', steps: [{ id: 'nginx-tls-6543', title: 'nginx', mark: 'todo' }, { id: 'lvs-k8s-service', title: 'LVS', mark: 'todo' }] },
  ],
  blocking: 'waiting for approval of abcd (0/1)',
  limits: { errorRatioMax: 0.02, p99SecondsMax: 2 },
};

/** A plan that only answers progress(); the page never calls anything that changes the plan. */
function planWith(progress: () => Promise<PlanProgress>): PlanControl {
  const refuse = (): never => {
    throw new Error('the status page must not change the plan');
  };
  return { service: 'kartotherian', progress, requestNext: refuse, requestRollback: refuse, emergencyStop: refuse, pause: refuse, resume: refuse, abort: refuse };
}

class ListAudit implements AuditReader {
  readonly filters: AuditFilter[] = [];
  constructor(private readonly records: AuditRecord[]) {}
  async recent(filter: AuditFilter): Promise<AuditRecord[]> {
    this.filters.push(filter);
    return this.records.slice(0, filter.limit);
  }
}

class ListHistory implements HealthHistory {
  constructor(private readonly samples: HealthSample[]) {}
  async recent(service: string, limit: number): Promise<HealthSample[]> {
    return this.samples.filter((sample) => sample.service === service).slice(-limit);
  }
}

const observer: PoolObserver = {
  pybal: async () => undefined,
  health: async () => undefined,
  confirmApplied: async () => undefined,
};

const SAMPLE: HealthSample = {
  at: DEFAULT_NOW - 30_000,
  service: 'kartotherian',
  dcs: [{ dc: 'eqiad', k8sShare: 0.25, k8s: { errorRatio: 0.001, p99Seconds: 0.4, requestRate: 200 }, baseline: { errorRatio: 0.002, p99Seconds: 0.3, requestRate: 600 } }],
};

async function setup(): Promise<{ fakes: Fakes; inventories: Map<string, Inventory>; sources: StatusSources; audit: ListAudit }> {
  const config = await loadShippedConfig();
  const inventories = shippedInventories(config);
  const fakes = makeDeps(config, inventories);
  const audit = new ListAudit([
    { id: '1-0', at: '2025-01-15T11:59:00.000Z', event: 'approval.granted', service: 'kartotherian', who: 'bob', where: 'irc:#ops', requestId: 'abcd', detail: 'ok\u202Eevil <script>alert(1)</script>\nforged line' },
  ]);
  const sources: StatusSources = {
    inventories,
    pooling: fakes.pooling,
    plans: new Map([['kartotherian', planWith(async () => PROGRESS)]]),
    observers: new Map([['kartotherian', observer]]),
    requests: fakes.requests,
    locks: fakes.locks,
    auditReader: audit,
    history: new ListHistory([SAMPLE]),
    clock: fakes.clock,
  };
  return { fakes, inventories, sources, audit };
}

async function poolRequest(fakes: Fakes, inventory: Inventory, reason: string): Promise<string> {
  const action: SetPooledAction = {
    kind: 'set-pooled',
    verb: 'pool',
    service: 'kartotherian',
    pool: inventory.pool('kartotherian-k8s-ssl', 'eqiad'),
    fqdn: 'wikikube-worker1001.eqiad.wmnet',
    changes: { pooled: 'yes', weight: 10 },
  };
  const request = await fakes.requests.create({
    service: 'kartotherian',
    action,
    actionHash: actionHash(action),
    summary: describeAction(action),
    reason,
    requester: { person: 'alice', display: 'alice', transport: 'irc', channel: '#ops' },
    approvalsRequired: 1,
    approvals: [],
    state: 'pending',
    createdAt: DEFAULT_NOW - 60_000,
    expiresAt: DEFAULT_NOW + 840_000,
    updatedAt: DEFAULT_NOW - 60_000,
  });
  return request.id;
}

function only(snapshot: { services: ServiceStatus[] }): ServiceStatus {
  expect(snapshot.services).toHaveLength(1);
  const [service] = snapshot.services;
  if (service === undefined) throw new Error('no service');
  return service;
}

describe('status page snapshot', () => {
  it('shows the plan as the plan port reports it, pools per DC split into bare metal and Wikikube, approvals, audit and samples', async () => {
    const { fakes, inventories, sources, audit } = await setup();
    const inventory = inventories.get('kartotherian');
    if (inventory === undefined) throw new Error('no inventory');
    const id = await poolRequest(fakes, inventory, 'canary <b>now</b>');
    fakes.locks.held.set('kartotherian', { holder: 'worker-1', requestId: id, since: DEFAULT_NOW - 5000 });

    const service = only(await buildStatusSnapshot(sources));

    expect(service.plan).toEqual({ ok: true, value: PROGRESS });
    expect(service.limits).toEqual(PROGRESS.limits);
    expect(service.lock).toEqual({ ok: true, value: { holder: 'worker-1', requestId: id, heldForMs: 5000 } });
    expect(service.datacenters.map((dc) => dc.dc)).toEqual(['eqiad', 'codfw']);
    const eqiad = service.datacenters[0]?.pools;
    if (eqiad?.ok !== true) throw new Error('eqiad pools unreadable');
    const k8sPool = eqiad.value.find((pool) => pool.lvsService === 'kartotherian-k8s-ssl');
    expect(k8sPool).toMatchObject({ port: 6543, counts: { yes: 6, no: 0, inactive: 4 }, capacity: { ok: true, pooled: 6, floor: 3, total: 6 }, pybal: 'pybal: not configured' });
    expect(k8sPool?.groups.map((group) => [group.group, group.kind, group.hosts.length])).toEqual([
      ['maps', 'bare-metal', 6],
      ['wikikube', 'k8s-worker', 4],
    ]);
    expect(k8sPool?.groups[1]?.hosts[0]).toEqual({ name: 'wikikube-worker1001', pooled: 'inactive', weight: 0 });
    expect(service.approvals).toEqual({
      ok: true,
      value: [{ id, summary: expect.stringContaining('wikikube-worker1001') as unknown, reason: 'canary ‹b›now‹/b›', requester: 'alice', state: 'pending', approvals: 0, required: 1, remaining: 1, expiresInMs: 840_000 }],
    });
    // Bidi overrides, newlines and angle brackets never reach the page as they were typed.
    expect(service.audit).toEqual({
      ok: true,
      value: [{ id: '1-0', at: '2025-01-15T11:59:00.000Z', who: 'bob', event: 'approval.granted', requestId: 'abcd', detail: 'ok?evil ‹script›alert(1)‹/script›?forged line', where: 'irc:#ops' }],
    });
    expect(audit.filters).toEqual([{ service: 'kartotherian', limit: 15 }]);
    expect(service.samples).toEqual({ ok: true, value: [SAMPLE] });
  });

  it('a port that fails costs only its own section', async () => {
    const { sources } = await setup();
    const broken: StatusSources = {
      ...sources,
      plans: new Map([['kartotherian', planWith(async () => Promise.reject(new Error('redis: connection lost')))]]),
      auditReader: { recent: async () => Promise.reject(new Error('stream gone')) },
    };
    const service = only(await buildStatusSnapshot(broken));
    expect(service.plan).toEqual({ ok: false, error: 'redis: connection lost' });
    expect(service.audit).toEqual({ ok: false, error: 'stream gone' });
    // Without a readable plan the page still colours health against the analysis defaults.
    expect(service.limits).toEqual({ errorRatioMax: 0.01, p99SecondsMax: 1.5 });
    expect(service.datacenters.every((dc) => dc.pools.ok)).toBe(true);
    expect(service.approvals).toEqual({ ok: true, value: [] });
  });

  it('shows each watch with its seconds since the last check, stale ones marked, and each pooled worker’s proof', async () => {
    const { fakes, inventories, sources } = await setup();
    const inventory = inventories.get('kartotherian');
    if (inventory === undefined) throw new Error('no inventory');
    const now = fakes.clock.now();
    fakes.watches.push(
      watchStatus({ kind: 'guard', service: 'kartotherian', lastCheckAt: now - 12_000, intervalMs: 5000, busy: false }, now, now - 60_000),
      watchStatus({ kind: 'soak', service: 'kartotherian', plan: 'kartotherian-to-wikikube', lastCheckAt: now - 3000, intervalMs: 30_000, busy: false }, now, now - 60_000),
    );
    const pool = inventory.pool('kartotherian-k8s-ssl', 'eqiad');
    for (const name of ['wikikube-worker1001', 'wikikube-worker1002']) fakes.pooling.put(conftoolPath(pool, `${name}.eqiad.wmnet`), { pooled: 'yes', weight: 10 });
    const summary = 'wikikube-worker1001 fails real requests: probes 0/2 (503 ×2) · VIP 2/2 ok · k8s 5xx 100.0% at 320 req/s';
    await fakes.safety.proofs.save('kartotherian', pool, 'wikikube-worker1001.eqiad.wmnet', () => recordCheck(newWorkerRecord('wikikube-worker1001.eqiad.wmnet', now - 5000), 'failing', summary, now - 1000, 60_000, 'probes 0/2 (503 ×2)'));

    const service = only(await buildStatusSnapshot({ ...sources, watch: fakes.deps.watch }));

    expect(service.watches).toEqual({
      ok: true,
      value: [
        {
          id: 'guard:kartotherian',
          kind: 'guard',
          lastCheckAt: now - 12_000,
          sinceMs: 12_000,
          intervalMs: 5000,
          staleAfterMs: 10_000,
          stale: true,
          words: '⚠ the guard of kartotherian has not looked at the pooled workers for 12s (every 5s expected): is a worker process running?',
        },
        { id: 'soak:kartotherian-to-wikikube', kind: 'soak', lastCheckAt: now - 3000, sinceMs: 3000, intervalMs: 30_000, staleAfterMs: 60_000, stale: false, words: 'soak checked 3s ago (every 30s)' },
      ],
    });
    const eqiad = service.datacenters[0]?.pools;
    if (eqiad?.ok !== true) throw new Error('eqiad pools unreadable');
    expect(eqiad.value.find((row) => row.lvsService === 'kartotherian-k8s-ssl')?.workers).toEqual([
      { name: 'wikikube-worker1001', proof: 'failing', words: '✖ failing: probes 0/2 (503 ×2)', summary },
      { name: 'wikikube-worker1002', proof: 'unchecked', words: '… not checked with real requests yet', summary: 'not checked with real requests yet' },
    ]);
    expect(eqiad.value.find((row) => row.lvsService === 'kartotherian-ssl')?.workers).toEqual([]);
  });

  it('a service without a plan, observer or audit trail says so instead of failing', async () => {
    const { sources } = await setup();
    const service = only(await buildStatusSnapshot({ ...sources, plans: new Map(), observers: new Map(), auditReader: undefined }));
    expect(service.plan).toBeNull();
    expect(service.audit).toBeNull();
    expect(service.watches).toBeNull();
    const pools = service.datacenters[1]?.pools;
    expect(pools?.ok === true && pools.value.every((pool) => pool.pybal === null)).toBe(true);
  });
});
