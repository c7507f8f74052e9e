import { describe, expect, it } from 'vitest';
import { actionHash } from '../../core/actions.js';
import { approve, changeRequestSchema, deny, isExpired, isTerminal, remainingApprovals, REQUEST_STATES, toCallerRecord, transition, type ChangeRequest, type RequestState } from '../../core/requests.js';
import { callerFor, cutoverErrorFrom, DEFAULT_NOW } from '../helpers/fakes.js';
import { WORKER_POOL_ACTION } from '../helpers/pool-request.js';

const NOW = DEFAULT_NOW;
const TTL = 900_000;

const action = WORKER_POOL_ACTION;

const alice = callerFor('alice');
const bob = callerFor('bob');
const carol = callerFor('carol');

function pending(overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  return changeRequestSchema.parse({
    id: 'k7qm',
    service: 'kartotherian',
    action,
    actionHash: actionHash(action),
    summary: 'pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10',
    reason: 'T378944 step 4',
    requester: toCallerRecord(alice),
    approvalsRequired: 1,
    approvals: [],
    state: 'pending',
    createdAt: NOW,
    expiresAt: NOW + TTL,
    updatedAt: NOW,
    ...overrides,
  });
}

describe('approve', () => {
  it('moves a request to approved when another person brings the count to what is required', () => {
    const approved = approve(pending(), bob, NOW + 1000, actionHash(action));
    expect(approved.state).toBe('approved');
    expect(approved.approvals).toEqual([{ person: 'bob', display: 'bob', transport: 'irc', at: NOW + 1000 }]);
    expect(approved.updatedAt).toBe(NOW + 1000);
    expect(changeRequestSchema.parse(approved)).toEqual(approved);
  });

  it('stays pending until the last of several approvals', () => {
    const first = approve(pending({ approvalsRequired: 2 }), bob, NOW + 1000, actionHash(action));
    expect(first.state).toBe('pending');
    expect(remainingApprovals(first)).toBe(1);
    const second = approve(first, carol, NOW + 2000, actionHash(action));
    expect(second.state).toBe('approved');
    expect(second.approvals.map((vote) => vote.person)).toEqual(['bob', 'carol']);
    expect(remainingApprovals(second)).toBe(0);
  });

  it('does not change the request it is given', () => {
    const request = pending();
    approve(request, bob, NOW + 1000, actionHash(action));
    expect(request).toEqual(pending());
  });

  it('refuses self-approval with auth.self-approval', () => {
    const error = cutoverErrorFrom(() => approve(pending(), alice, NOW + 1000, actionHash(action)));
    expect(error.code).toBe('auth.self-approval');
  });

  it('refuses self-approval from another transport under another display name', () => {
    const onSlack = callerFor('alice', { display: 'Alice Example', transport: 'slack', channel: 'C0123ABCD' });
    expect(cutoverErrorFrom(() => approve(pending(), onSlack, NOW + 1000, actionHash(action))).code).toBe('auth.self-approval');
  });

  it('does not let someone whose nick matches the requester, but who is not a configured person, approve', () => {
    const impostor = callerFor(undefined, { display: 'alice' });
    expect(cutoverErrorFrom(() => approve(pending(), impostor, NOW + 1000, actionHash(action))).code).toBe('auth.forbidden');
  });

  it('refuses an unknown person with auth.forbidden', () => {
    const error = cutoverErrorFrom(() => approve(pending(), callerFor(undefined, { display: 'mallory' }), NOW + 1000, actionHash(action)));
    expect(error.code).toBe('auth.forbidden');
    expect(error.message).toContain('mallory is not a configured person');
  });

  it('refuses a second vote from the same person', () => {
    const once = approve(pending({ approvalsRequired: 2 }), bob, NOW + 1000, actionHash(action));
    const bobOnSlack = callerFor('bob', { transport: 'slack', display: 'Bob' });
    const error = cutoverErrorFrom(() => approve(once, bobOnSlack, NOW + 2000, actionHash(action)));
    expect(error.code).toBe('request.not-pending');
    expect(error.message).toContain('You already approved k7qm; it needs 1 more');
  });

  it('refuses an approval of a different action than the one stored (hash mismatch)', () => {
    const other = actionHash({ ...action, changes: { pooled: 'yes', weight: 100 } });
    const error = cutoverErrorFrom(() => approve(pending(), bob, NOW + 1000, other));
    expect(error.code).toBe('request.not-pending');
    expect(error.message).toContain('changed since it was shown');
  });

  it('refuses an expired request, at and after its deadline', () => {
    expect(cutoverErrorFrom(() => approve(pending(), bob, NOW + TTL, actionHash(action))).code).toBe('request.expired');
    expect(cutoverErrorFrom(() => approve(pending(), bob, NOW + TTL + 60_000, actionHash(action))).code).toBe('request.expired');
  });

  it('accepts an approval a millisecond before the deadline', () => {
    expect(approve(pending(), bob, NOW + TTL - 1, actionHash(action)).state).toBe('approved');
  });

  it.each<RequestState>(['approved', 'running', 'succeeded', 'denied', 'expired', 'failed', 'noop'])('refuses a request that is %s', (state) => {
    expect(cutoverErrorFrom(() => approve(pending({ state }), bob, NOW + 1000, actionHash(action))).code).toBe('request.not-pending');
  });
});

describe('deny', () => {
  it('moves a pending request to denied and records who decided', () => {
    const denied = deny(pending(), bob, NOW + 5000);
    expect(denied.state).toBe('denied');
    expect(denied.decidedBy).toEqual({ person: 'bob', display: 'bob', transport: 'irc', at: NOW + 5000 });
    expect(denied.updatedAt).toBe(NOW + 5000);
  });

  it('lets the requester withdraw their own request', () => {
    expect(deny(pending(), alice, NOW + 5000).decidedBy?.person).toBe('alice');
  });

  it('refuses an expired request', () => {
    expect(cutoverErrorFrom(() => deny(pending(), bob, NOW + TTL)).code).toBe('request.expired');
  });

  it('revokes an approved request that has not started, but nothing that is running or over', () => {
    expect(deny(pending({ state: 'approved' }), bob, NOW).state).toBe('denied');
    for (const state of ['running', 'succeeded', 'failed', 'denied'] as const) {
      expect(cutoverErrorFrom(() => deny(pending({ state }), bob, NOW)).code).toBe('request.not-pending');
    }
  });
});

describe('transition', () => {
  it.each<[RequestState, RequestState]>([
    ['pending', 'approved'],
    ['pending', 'denied'],
    ['pending', 'expired'],
    ['approved', 'running'],
    ['approved', 'failed'],
    ['running', 'succeeded'],
    ['running', 'noop'],
    ['running', 'failed'],
  ])('allows %s → %s', (from, to) => {
    const next = transition(pending({ state: from }), to, NOW + 1, { outcome: 'done' });
    expect(next).toMatchObject({ state: to, updatedAt: NOW + 1, outcome: 'done' });
  });

  it.each<[RequestState, RequestState]>([
    ['pending', 'running'],
    ['pending', 'succeeded'],
    ['pending', 'pending'],
    ['approved', 'pending'],
    ['approved', 'succeeded'],
    ['running', 'approved'],
    ['running', 'expired'],
    ['succeeded', 'running'],
    ['failed', 'approved'],
    ['denied', 'approved'],
    ['expired', 'approved'],
    ['noop', 'succeeded'],
  ])('refuses %s → %s with request.not-pending', (from, to) => {
    const error = cutoverErrorFrom(() => transition(pending({ state: from }), to, NOW + 1));
    expect(error.code).toBe('request.not-pending');
    expect(error.message).toBe(`Request k7qm is ${from}; it cannot become ${to}.`);
  });

  it('lets a patch not override the state it moves to', () => {
    expect(transition(pending(), 'approved', NOW, { state: 'succeeded' }).state).toBe('approved');
  });
});

describe('request helpers', () => {
  it('knows which states are terminal', () => {
    expect(REQUEST_STATES.filter(isTerminal)).toEqual(['succeeded', 'noop', 'failed', 'denied', 'expired']);
  });

  it('only calls a pending request expired', () => {
    expect(isExpired(pending(), NOW + TTL)).toBe(true);
    expect(isExpired(pending(), NOW + TTL - 1)).toBe(false);
    expect(isExpired(pending({ state: 'approved' }), NOW + TTL * 2)).toBe(false);
  });

  it('records a caller without a person as display, transport and channel only', () => {
    expect(toCallerRecord(callerFor(undefined, { display: 'mallory' }))).toEqual({ display: 'mallory', transport: 'irc', channel: '#wikimedia-operations' });
  });
});
