/**
 * The one rule book every pool change passes (core/policy/pool-policy.ts), pinned with the exact
 * reasons and arithmetic people read in the channel. The numbers follow pybal's depool_threshold
 * rule (wikimedia-ops.md §3): floor = ceil(total × threshold), total = everything but inactive.
 */
import { describe, expect, it } from 'vitest';
import { judgePoolChange, type PolicyInput, type PolicyMember, type PolicyPurpose } from '../../core/policy/pool-policy.js';
import type { WorkerProof } from '../../core/policy/worker-proof.js';
import type { Pooled, PoolState } from '../../core/pool-state.js';

const K8S_POOL = { dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl', threshold: 0.5 };
const SSL_POOL = { dc: 'eqiad', lvsService: 'kartotherian-ssl', threshold: 0.5 };
const MAPS = ['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010'].map((name) => `${name}.eqiad.wmnet`);
const WORKERS = ['wikikube-worker1001', 'wikikube-worker1002', 'wikikube-worker1003', 'wikikube-worker1004'].map((name) => `${name}.eqiad.wmnet`);
const MAPS_CODFW = ['maps2005', 'maps2006', 'maps2007', 'maps2008', 'maps2009', 'maps2010'].map((name) => `${name}.codfw.wmnet`);
const WORKERS_CODFW = ['wikikube-worker2001', 'wikikube-worker2002', 'wikikube-worker2003', 'wikikube-worker2004'].map((name) => `${name}.codfw.wmnet`);

const [MAPS1005, MAPS1006, MAPS1007, MAPS1008, MAPS1009, MAPS1010] = MAPS as [string, string, string, string, string, string];
const [W1001, W1002, W1003, W1004] = WORKERS as [string, string, string, string];

/** conftool's value as the seed and confctl write it: inactive members carry weight 0. */
function state(pooled: Pooled): PoolState {
  return { pooled, weight: pooled === 'inactive' ? 0 : 10 };
}

/** Members in inventory order; `undefined` means the conftool object does not exist. */
function members(maps: readonly (Pooled | undefined)[], workers: readonly (Pooled | undefined)[], names = { maps: MAPS, workers: WORKERS }): PolicyMember[] {
  return [
    ...maps.map((pooled, index) => ({ fqdn: names.maps[index] ?? 'missing', kind: 'bare-metal' as const, state: pooled === undefined ? undefined : state(pooled) })),
    ...workers.map((pooled, index) => ({ fqdn: names.workers[index] ?? 'missing', kind: 'k8s-worker' as const, state: pooled === undefined ? undefined : state(pooled) })),
  ];
}

const PROVEN: WorkerProof = { kind: 'proven', summary: 'serves real requests: probes 2/2' };

function proven(...fqdns: string[]): Map<string, WorkerProof> {
  return new Map(fqdns.map((fqdn) => [fqdn, PROVEN]));
}

function judge(input: Partial<PolicyInput> & Pick<PolicyInput, 'members' | 'changes'>) {
  return judgePoolChange({ purpose: 'change', pool: K8S_POOL, proofs: new Map(), ...input });
}

const depool = (fqdn: string) => ({ fqdn, to: state('no') });
const pool = (fqdn: string) => ({ fqdn, to: state('yes') });

describe("pybal's worked example (wikimedia-ops.md §3): 6 maps + 4 k8s, threshold 0.5", () => {
  it('with 3 maps set to no, pybal could eject only 2 of 4 failing workers, so pooling the 4th unproven worker is refused', () => {
    const verdict = judge({ members: members(['no', 'no', 'no', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'no']), changes: [pool(W1004)] });
    // 10 counted, 7 enabled: pybal ejects worker 1 (6 ≥ 5) and worker 2 (5 ≥ 5), keeps 3 and 4 in rotation.
    expect(verdict).toEqual({
      allow: false,
      rule: 'ejection-budget',
      reason: 'if the 4 unproven workers failed, pybal could eject only 2 and would keep the rest in rotation; pool fewer at once',
      arithmetic: 'after: 3 serving of 10 counted (inactive excluded; 4 pooled worker(s) not proven are not capacity) < floor 5 = ceil(10 × 0.5) · pybal could eject 2 failing host(s); unproven workers: 4',
      unproven: WORKERS,
    });
  });

  it('with those maps inactive instead, total is 7 and pybal could eject 3 of the 4: the 4th is still refused', () => {
    const verdict = judge({ members: members(['inactive', 'inactive', 'inactive', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'no']), changes: [pool(W1004)] });
    expect(verdict).toMatchObject({
      allow: false,
      rule: 'ejection-budget',
      reason: 'if the 4 unproven workers failed, pybal could eject only 3 and would keep the rest in rotation; pool fewer at once',
      arithmetic: 'after: 3 serving of 7 counted (inactive excluded; 4 pooled worker(s) not proven are not capacity) < floor 4 = ceil(7 × 0.5) · pybal could eject 3 failing host(s); unproven workers: 4',
    });
  });

  it('with all 6 maps pooled pybal could eject 5, so a 4th unproven worker may join (and is not capacity)', () => {
    const verdict = judge({ members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'no']), changes: [pool(W1004)] });
    expect(verdict).toEqual({
      allow: true,
      arithmetic: 'after: 6 serving of 10 counted (inactive excluded; 4 pooled worker(s) not proven are not capacity) ≥ floor 5 = ceil(10 × 0.5) · pybal could eject 5 failing host(s); unproven workers: 4',
      unproven: WORKERS,
    });
  });

  it('with the 4 workers proven, bare metal may leave down to the floor of 5 and not one host further', () => {
    const proofs = proven(...WORKERS);
    const fourth = judge({ members: members(['no', 'no', 'no', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'yes']), changes: [depool(MAPS1008)], proofs });
    expect(fourth).toEqual({ allow: true, arithmetic: 'after: 6 serving of 10 counted (inactive excluded) ≥ floor 5 = ceil(10 × 0.5) · pybal could eject 1 failing host(s); unproven workers: 0', unproven: [] });
    const fifth = judge({ members: members(['no', 'no', 'no', 'no', 'yes', 'yes'], ['yes', 'yes', 'yes', 'yes']), changes: [depool(MAPS1009)], proofs });
    expect(fifth).toMatchObject({ allow: true, arithmetic: 'after: 5 serving of 10 counted (inactive excluded) ≥ floor 5 = ceil(10 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0' });
    const sixth = judge({ members: members(['no', 'no', 'no', 'no', 'no', 'yes'], ['yes', 'yes', 'yes', 'yes']), changes: [depool(MAPS1010)], proofs });
    expect(sixth).toEqual({
      allow: false,
      rule: 'capacity',
      reason: "only 4 host(s) proven to serve would stay in kartotherian-k8s-ssl (eqiad), below pybal's floor of 5",
      arithmetic: 'after: 4 serving of 10 counted (inactive excluded) < floor 5 = ceil(10 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0',
      unproven: [],
    });
  });
});

describe('each rule refuses with its reason and the numbers', () => {
  it('bare-metal-needs-proven-workers names every unproven pooled worker with what real traffic showed of it', () => {
    const proofs = new Map<string, WorkerProof>([
      [W1001, PROVEN],
      [W1002, { kind: 'failing', summary: 'wikikube-worker1002 fails real requests: probes 0/2 (503 ×2)' }],
      [W1003, { kind: 'inconclusive', summary: 'wikikube-worker1003: probes 2/2, but k8s traffic 0.4 req/s is under the floor of 1 req/s' }],
    ]);
    const verdict = judge({ members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'yes']), changes: [depool(MAPS1005)], proofs });
    expect(verdict).toEqual({
      allow: false,
      rule: 'bare-metal-needs-proven-workers',
      reason:
        'maps1005 stays until every pooled worker has served real requests through the VIP: ' +
        'wikikube-worker1002 (wikikube-worker1002 fails real requests: probes 0/2 (503 ×2)); ' +
        'wikikube-worker1003 (wikikube-worker1003: probes 2/2, but k8s traffic 0.4 req/s is under the floor of 1 req/s); ' +
        'wikikube-worker1004 (not checked with real requests yet)',
      arithmetic: 'after: 6 serving of 10 counted (inactive excluded; 3 pooled worker(s) not proven are not capacity) ≥ floor 5 = ceil(10 × 0.5) · pybal could eject 4 failing host(s); unproven workers: 3',
      unproven: [W1002, W1003, W1004],
    });
  });

  it('a worker still serving its proving run is not proven: the refusal says how far it has got', () => {
    const proofs = new Map<string, WorkerProof>([[W1001, { kind: 'serving', remainingMs: 50_000, summary: 'wikikube-worker1001 serves real requests: probes 2/2; serving for 10s of the 1m that prove it' }]]);
    const verdict = judge({ members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'inactive', 'inactive', 'inactive']), changes: [depool(MAPS1005)], proofs });
    expect(verdict).toMatchObject({
      allow: false,
      rule: 'bare-metal-needs-proven-workers',
      reason: 'maps1005 stays until every pooled worker has served real requests through the VIP: wikikube-worker1001 (wikikube-worker1001 serves real requests: probes 2/2; serving for 10s of the 1m that prove it)',
      unproven: [W1001],
    });
  });

  it('several bare-metal hosts leaving at once are named together', () => {
    const verdict = judge({ members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['no', 'no', 'no', 'no']), changes: [depool(MAPS1005), depool(MAPS1006)] });
    expect(verdict).toMatchObject({
      allow: false,
      rule: 'bare-metal-needs-proven-workers',
      reason: 'maps1005, maps1006 stay: no Wikikube worker serves in kartotherian-k8s-ssl (eqiad), so bare metal would only shift its load onto fewer bare-metal hosts',
    });
  });

  it('never-empty: the last pooled host of a pool that takes traffic stays, even at threshold 0 and for the emergency stop', () => {
    for (const [threshold, purpose] of [[0.5, 'change'], [0, 'change'], [0.5, 'emergency-stop']] as const) {
      const verdict = judge({ pool: { ...SSL_POOL, threshold }, purpose, members: members(['yes', 'no', 'no', 'no', 'no', 'no'], []), changes: [depool(MAPS1005)] });
      expect(verdict).toMatchObject({ allow: false, rule: 'never-empty', reason: 'that would leave nothing pooled in kartotherian-ssl (eqiad), which takes traffic' });
    }
  });

  it('never-empty also holds for a pool left with only workers, however proven', () => {
    const verdict = judge({ members: members(['no', 'no', 'no', 'no', 'no', 'no'], ['yes', 'no', 'no', 'no']), changes: [depool(W1001)], proofs: proven(W1001), purpose: 'guard' });
    expect(verdict).toEqual({
      allow: false,
      rule: 'never-empty',
      reason: 'that would leave nothing pooled in kartotherian-k8s-ssl (eqiad), which takes traffic',
      arithmetic: 'after: 0 serving of 10 counted (inactive excluded) < floor 5 = ceil(10 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0',
      unproven: [],
    });
  });

  it('capacity: a bare-metal-only pool may not go below ceil(total × threshold)', () => {
    const verdict = judge({ pool: SSL_POOL, members: members(['yes', 'yes', 'yes', 'no', 'no', 'no'], []), changes: [depool(MAPS1005)] });
    expect(verdict).toEqual({
      allow: false,
      rule: 'capacity',
      reason: "only 2 host(s) proven to serve would stay in kartotherian-ssl (eqiad), below pybal's floor of 3",
      arithmetic: 'after: 2 serving of 6 counted (inactive excluded) < floor 3 = ceil(6 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0',
      unproven: [],
    });
  });

  it('capacity counts an odd total up: 9 counted at 0.5 needs 5', () => {
    const proofs = proven(...WORKERS);
    // maps1010 inactive: 9 counted. maps1005..1007 + 4 proven workers = 7 serving.
    const allowed = judge({ members: members(['yes', 'yes', 'yes', 'no', 'no', 'inactive'], ['yes', 'yes', 'yes', 'yes']), changes: [depool(MAPS1007)], proofs });
    expect(allowed).toMatchObject({ allow: true, arithmetic: 'after: 6 serving of 9 counted (inactive excluded) ≥ floor 5 = ceil(9 × 0.5) · pybal could eject 1 failing host(s); unproven workers: 0' });
    const refused = judge({ members: members(['yes', 'no', 'no', 'no', 'no', 'inactive'], ['yes', 'yes', 'yes', 'yes']), changes: [depool(MAPS1005)], proofs });
    expect(refused).toMatchObject({
      allow: false,
      rule: 'capacity',
      reason: "only 4 host(s) proven to serve would stay in kartotherian-k8s-ssl (eqiad), below pybal's floor of 5",
      arithmetic: 'after: 4 serving of 9 counted (inactive excluded) < floor 5 = ceil(9 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0',
    });
  });
});

describe('purposes', () => {
  const fourUnproven = members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'yes']);

  it.each<[PolicyPurpose, boolean]>([
    ['change', false],
    ['plan', false],
    ['rollback', false],
    ['guard', false],
    ['emergency-stop', true],
  ])('bare metal leaving past unproven workers, purpose %s: allowed=%s (only the emergency stop is exempt)', (purpose, allowed) => {
    const verdict = judge({ purpose, members: fourUnproven, changes: [depool(MAPS1005)] });
    expect(verdict.allow).toBe(allowed);
    if (!verdict.allow) expect(verdict.rule).toBe('bare-metal-needs-proven-workers');
  });

  it('the emergency stop is exempt from the ejection budget too (it puts bare metal back first), but not from capacity', () => {
    const overBudget = judge({ purpose: 'emergency-stop', members: members(['no', 'no', 'no', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'no']), changes: [pool(W1004)] });
    expect(overBudget.allow).toBe(true);
    const belowFloor = judge({ purpose: 'emergency-stop', pool: SSL_POOL, members: members(['yes', 'yes', 'yes', 'no', 'no', 'no'], []), changes: [depool(MAPS1005)] });
    expect(belowFloor).toMatchObject({ allow: false, rule: 'capacity' });
  });

  it.each<PolicyPurpose>(['guard', 'rollback', 'plan'])('%s obeys capacity: a proven worker may not leave below the floor', (purpose) => {
    // 3 maps + 2 proven workers = 5 serving of 10: exactly the floor.
    const verdict = judge({ purpose, members: members(['no', 'no', 'no', 'yes', 'yes', 'yes'], ['yes', 'yes', 'no', 'no']), changes: [depool(W1001)], proofs: proven(W1001, W1002) });
    expect(verdict).toEqual({
      allow: false,
      rule: 'capacity',
      reason: "only 4 host(s) proven to serve would stay in kartotherian-k8s-ssl (eqiad), below pybal's floor of 5",
      arithmetic: 'after: 4 serving of 10 counted (inactive excluded) < floor 5 = ceil(10 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0',
      unproven: [],
    });
  });
});

describe('a failing worker is not capacity', () => {
  // 2 maps and 2 workers pooled of 10 counted: already below the floor of 5.
  const belowFloor = members(['no', 'no', 'no', 'no', 'yes', 'yes'], ['yes', 'yes', 'no', 'no']);
  const proofs = new Map<string, WorkerProof>([
    [W1001, { kind: 'failing', summary: 'wikikube-worker1001 fails real requests: probes 0/3 (503 ×3)' }],
    [W1002, PROVEN],
  ]);

  it('so the guard may depool it even below the floor: nothing that serves is lost', () => {
    const verdict = judge({ purpose: 'guard', members: belowFloor, changes: [depool(W1001)], proofs });
    expect(verdict).toEqual({ allow: true, arithmetic: 'after: 3 serving of 10 counted (inactive excluded) < floor 5 = ceil(10 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0', unproven: [] });
  });

  it('while the proven worker beside it may not leave', () => {
    const verdict = judge({ purpose: 'guard', members: belowFloor, changes: [depool(W1002)], proofs });
    expect(verdict).toMatchObject({ allow: false, rule: 'capacity', reason: "only 2 host(s) proven to serve would stay in kartotherian-k8s-ssl (eqiad), below pybal's floor of 5" });
  });

  it('an unchecked worker counts as nothing either: pybal "up" proves nothing', () => {
    const verdict = judge({ purpose: 'change', members: belowFloor, changes: [depool(W1001)], proofs: proven(W1002) });
    expect(verdict.allow).toBe(true);
  });
});

describe('2025-02-17 replayed at the policy level', () => {
  // 12:49: four workers pooled by hand; they pass pybal's checks and answer every real request with 503.
  const failing = (fqdn: string): [string, WorkerProof] => [fqdn, { kind: 'failing', summary: `${fqdn.split('.')[0] ?? fqdn} fails real requests: probes 0/2 (503 ×2)` }];
  const codfw = { maps: MAPS_CODFW, workers: WORKERS_CODFW };
  const codfwPool = { dc: 'codfw', lvsService: 'kartotherian-k8s-ssl', threshold: 0.5 };
  const [maps2005, maps2006] = MAPS_CODFW as [string, string];

  it('14:15: maps1005 (maps1006 already out) and maps2005, maps2006 are each refused while the workers are unproven', () => {
    const eqiad = judge({ members: members(['yes', 'no', 'yes', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'yes']), changes: [depool(MAPS1005)], proofs: new Map(WORKERS.map(failing)) });
    expect(eqiad).toMatchObject({ allow: false, rule: 'bare-metal-needs-proven-workers', unproven: WORKERS });
    if (eqiad.allow) return;
    expect(eqiad.reason).toMatch(/^maps1005 stays until every pooled worker has served real requests through the VIP: wikikube-worker1001 \(wikikube-worker1001 fails real requests: probes 0\/2 \(503 ×2\)\); /);
    // Workers not yet checked at all are refused the same way: unproven is not "up".
    const codfwMembers = members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'yes'], codfw);
    for (const host of [maps2005, maps2006]) {
      expect(judge({ pool: codfwPool, members: codfwMembers, changes: [depool(host)] })).toMatchObject({ allow: false, rule: 'bare-metal-needs-proven-workers', unproven: WORKERS_CODFW });
    }
    expect(judge({ pool: codfwPool, members: codfwMembers, changes: [depool(maps2005), depool(maps2006)] })).toMatchObject({ allow: false, reason: expect.stringMatching(/^maps2005, maps2006 stay until/) as unknown });
  });

  it('after the guard depooled the broken workers (pooled=no), the depools are still refused: no worker serves', () => {
    const verdict = judge({ members: members(['yes', 'no', 'yes', 'yes', 'yes', 'yes'], ['no', 'no', 'no', 'no']), changes: [depool(MAPS1005)], proofs: new Map(WORKERS.map(failing)) });
    expect(verdict).toEqual({
      allow: false,
      rule: 'bare-metal-needs-proven-workers',
      reason: 'maps1005 stays: no Wikikube worker serves in kartotherian-k8s-ssl (eqiad), so bare metal would only shift its load onto fewer bare-metal hosts',
      arithmetic: 'after: 4 serving of 10 counted (inactive excluded) < floor 5 = ceil(10 × 0.5) · pybal could eject 0 failing host(s); unproven workers: 0',
      unproven: [],
    });
  });

  it('a healthy hand-pooled worker that has not yet served long enough does not let bare metal go either', () => {
    const proofs = new Map<string, WorkerProof>([[W1001, { kind: 'serving', remainingMs: 290_000, summary: 'wikikube-worker1001 serves real requests: probes 2/2; serving for 10s of the 5m that prove it' }]]);
    const verdict = judge({ members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'no', 'no', 'no']), changes: [depool(MAPS1005)], proofs });
    expect(verdict).toMatchObject({ allow: false, rule: 'bare-metal-needs-proven-workers', unproven: [W1001] });
  });
});

describe('pools without workers and retiring bare metal', () => {
  it('a k8s pool whose workers are all inactive (maintenance before the migration) obeys only capacity', () => {
    const allowed = judge({ members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['inactive', 'inactive', 'inactive', 'inactive']), changes: [depool(MAPS1005)] });
    expect(allowed).toEqual({ allow: true, arithmetic: 'after: 5 serving of 6 counted (inactive excluded) ≥ floor 3 = ceil(6 × 0.5) · pybal could eject 2 failing host(s); unproven workers: 0', unproven: [] });
    const refused = judge({ members: members(['yes', 'yes', 'yes', 'no', 'no', 'no'], ['inactive', 'inactive', 'inactive', 'inactive']), changes: [depool(MAPS1005)] });
    expect(refused).toMatchObject({ allow: false, rule: 'capacity', reason: "only 2 host(s) proven to serve would stay in kartotherian-k8s-ssl (eqiad), below pybal's floor of 3" });
  });

  it('workers without conftool objects are no workers either', () => {
    const verdict = judge({ members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], [undefined, undefined, undefined, undefined]), changes: [depool(MAPS1005)] });
    expect(verdict.allow).toBe(true);
  });

  it('bare metal retired (yes → inactive) once every pooled worker is proven: the total shrinks with it', () => {
    const verdict = judge({ purpose: 'plan', members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'yes', 'yes', 'yes']), changes: [{ fqdn: MAPS1005, to: state('inactive') }], proofs: proven(...WORKERS) });
    expect(verdict).toEqual({ allow: true, arithmetic: 'after: 9 serving of 9 counted (inactive excluded) ≥ floor 5 = ceil(9 × 0.5) · pybal could eject 4 failing host(s); unproven workers: 0', unproven: [] });
  });

  it('retiring is leaving: refused while a pooled worker is unproven', () => {
    const verdict = judge({ purpose: 'plan', members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'yes', 'no', 'no']), changes: [{ fqdn: MAPS1005, to: state('inactive') }], proofs: proven(W1001) });
    expect(verdict).toMatchObject({
      allow: false,
      rule: 'bare-metal-needs-proven-workers',
      reason: 'maps1005 stays until every pooled worker has served real requests through the VIP: wikikube-worker1002 (not checked with real requests yet)',
      unproven: [W1002],
    });
  });

  it('bare metal already out (no → inactive) is not leaving: nothing that serves changes', () => {
    const verdict = judge({ members: members(['no', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'no', 'no', 'no']), changes: [{ fqdn: MAPS1005, to: state('inactive') }] });
    expect(verdict).toMatchObject({ allow: true, arithmetic: 'after: 5 serving of 9 counted (inactive excluded; 1 pooled worker(s) not proven are not capacity) ≥ floor 5 = ceil(9 × 0.5) · pybal could eject 1 failing host(s); unproven workers: 1' });
  });

  it('lowering a pooled bare-metal host to weight 1 drains it as surely as a depool: refused while a worker is unproven', () => {
    const verdict = judge({ members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'inactive', 'inactive', 'inactive']), changes: [{ fqdn: MAPS1005, to: { pooled: 'yes', weight: 1 } }] });
    expect(verdict).toMatchObject({ allow: false, rule: 'bare-metal-needs-proven-workers', unproven: [W1001] });
    const raised = judge({ members: members(['yes', 'yes', 'yes', 'yes', 'yes', 'yes'], ['yes', 'inactive', 'inactive', 'inactive']), changes: [{ fqdn: MAPS1005, to: { pooled: 'yes', weight: 20 } }] });
    expect(raised).toMatchObject({ allow: true });
  });

  it('repooling bare metal is always allowed, whatever the workers show', () => {
    const verdict = judge({ members: members(['no', 'no', 'no', 'no', 'no', 'yes'], ['yes', 'yes', 'yes', 'yes']), changes: [pool(MAPS1005)], proofs: new Map(WORKERS.map((fqdn) => [fqdn, { kind: 'failing', summary: 'x' }] as const)) });
    expect(verdict).toMatchObject({ allow: true, unproven: WORKERS });
  });
});
