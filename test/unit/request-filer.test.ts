/**
 * The one way a request is filed (core/request-draft.ts builds it, jobs/request-filer.ts files
 * it): pool changes and plan steps alike are bound to their action's hash, gated by approvers
 * other than the requester, given their expiry, audited, and queued or left to expire.
 */
import { describe, expect, it } from 'vitest';
import { actionHash, type PlanStepAction, type SetPooledAction } from '../../core/actions.js';
import { CutoverError } from '../../core/errors.js';
import { draftRequest, type RequestInput } from '../../core/request-draft.js';
import { RequestFiler } from '../../jobs/request-filer.js';
import { loadShippedConfig } from '../helpers/config.js';
import { callerFor, DEFAULT_NOW, FakeRequestStore, FixedClock, MemoryAudit, RecordingQueue } from '../helpers/fakes.js';

const config = await loadShippedConfig();
const POOL = { lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' };
const PATH = '/conftool/v1/pools/eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet';

const pool: SetPooledAction = {
  kind: 'set-pooled',
  verb: 'pool',
  service: 'kartotherian',
  pool: POOL,
  fqdn: 'wikikube-worker1001.eqiad.wmnet',
  changes: { pooled: 'yes', weight: 10 },
  expect: { state: { pooled: 'inactive', weight: 0 }, revision: '7' },
};

const step: PlanStepAction = {
  kind: 'plan-step',
  operation: 'advance',
  service: 'kartotherian',
  plan: 'test-plan',
  dc: 'eqiad',
  stepId: 'helm-deploy',
  position: { dc: 0, step: 0, wave: 0 },
  title: 'deploy on Wikikube',
  preview: ['helmfile -e eqiad apply', 'kubectl rollout status'],
};

function filerWorld() {
  const requests = new FakeRequestStore();
  const queue = new RecordingQueue();
  const audit = new MemoryAudit();
  const clock = new FixedClock();
  return { requests, queue, audit, clock, filer: new RequestFiler({ config, clock, requests, queue, audit }) };
}

const input = (action: SetPooledAction | PlanStepAction, patch: Partial<RequestInput> = {}): RequestInput => ({
  service: 'kartotherian',
  action,
  caller: callerFor('alice'),
  reason: 'step 4',
  task: 'T378944',
  approvalsRequired: 1,
  ...patch,
});

describe('draftRequest', () => {
  it('binds the request to the hash of its exact action, and gives it the service ttl', () => {
    const { draft, approvers } = draftRequest(input(pool), config, DEFAULT_NOW);

    expect(approvers).toEqual(['bob', 'carol']);
    expect(draft).toEqual({
      service: 'kartotherian',
      action: pool,
      actionHash: actionHash(pool),
      summary: 'pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10',
      reason: 'step 4',
      task: 'T378944',
      requester: { person: 'alice', display: 'alice', transport: 'irc', channel: '#wikimedia-operations' },
      approvalsRequired: 1,
      approvals: [],
      state: 'pending',
      createdAt: DEFAULT_NOW,
      expiresAt: DEFAULT_NOW + 900_000,
      updatedAt: DEFAULT_NOW,
    });
  });

  it('a different state shown is a different hash: an approval of one does not fit the other', () => {
    const other: SetPooledAction = { ...pool, expect: { state: { pooled: 'no', weight: 10 }, revision: '7' } };
    expect(draftRequest(input(other), config, DEFAULT_NOW).draft.actionHash).not.toBe(draftRequest(input(pool), config, DEFAULT_NOW).draft.actionHash);
  });

  it('refuses a gate the configured people cannot meet, the requester never counting', () => {
    const refusal = ((): unknown => {
      try {
        return draftRequest(input(step, { caller: callerFor('bob'), approvalsRequired: 2 }), config, DEFAULT_NOW);
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(CutoverError);
    expect(refusal).toMatchObject({ code: 'auth.forbidden', message: 'This needs 2 approvers besides you; the config has 1.' });
  });
});

describe('RequestFiler', () => {
  it('files a pool change as drafted, audits the exact write with its reason, and schedules its expiry', async () => {
    const world = filerWorld();

    const { request, approvers } = await world.filer.file(input(pool));

    expect(request).toEqual({ id: 'req1', ...draftRequest(input(pool), config, DEFAULT_NOW).draft });
    expect(approvers).toEqual(['bob', 'carol']);
    expect(world.queue.calls.map((call) => [call.method, call.request.id])).toEqual([['scheduleExpiry', 'req1']]);
    expect(world.audit.entries).toEqual([
      {
        event: 'request.created',
        service: 'kartotherian',
        who: 'alice',
        as: 'irc account alice',
        where: 'irc:#wikimedia-operations',
        requestId: 'req1',
        detail: `pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10 · ${PATH}: {"pooled":"inactive","weight":0} → {"pooled":"yes","weight":10} · reason: step 4 T378944`,
      },
    ]);
  });

  it('files a plan step the same way, its audit naming the actions the approver is shown', async () => {
    const world = filerWorld();

    await world.filer.file(input(step));

    expect(world.audit.entries[0]?.detail).toBe('test-plan eqiad helm-deploy: deploy on Wikikube · helmfile -e eqiad apply ; kubectl rollout status');
  });

  it('queues at once what needs no approval (an emergency stop, a gate of none)', async () => {
    const world = filerWorld();

    const { request } = await world.filer.file(input(step, { approvalsRequired: 0 }));

    expect(request.state).toBe('approved');
    expect(world.queue.calls.map((call) => call.method)).toEqual(['enqueue']);
  });

  it('files, audits and queues nothing when the gate cannot be met', async () => {
    const world = filerWorld();

    await expect(world.filer.file(input(pool, { caller: callerFor('carol'), approvalsRequired: 2 }))).rejects.toThrow('This needs 2 approvers besides you; the config has 1.');

    expect([world.requests.created, world.queue.calls, world.audit.entries]).toEqual([[], [], []]);
  });
});
