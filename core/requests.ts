import * as z from 'zod';
import { actionSchema } from './actions.js';
import type { Caller } from './access.js';
import { CutoverError } from './errors.js';

export const REQUEST_STATES = ['pending', 'approved', 'running', 'succeeded', 'noop', 'failed', 'denied', 'expired'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

const NEXT_STATES: Record<RequestState, readonly RequestState[]> = {
  pending: ['approved', 'denied', 'expired'],
  // A request can fail before it runs, e.g. when the capacity guard refuses it at execution time,
  // and be revoked (denied) while it still waits for the service lock.
  approved: ['running', 'failed', 'denied'],
  running: ['succeeded', 'noop', 'failed'],
  succeeded: [],
  noop: [],
  failed: [],
  denied: [],
  expired: [],
};

export function isTerminal(state: RequestState): boolean {
  return NEXT_STATES[state].length === 0;
}

const callerSchema = z.strictObject({
  person: z.string().optional(),
  display: z.string(),
  transport: z.string(),
  channel: z.string(),
});

const voteSchema = z.strictObject({ person: z.string(), display: z.string(), transport: z.string(), at: z.number() });

/** What a request keeps of a helm diff, in characters: the rest is counted, and its hash still covers all of it. */
export const KEPT_DIFF_CHARS = 20_000;

/**
 * The helm diff a helm step's approver was shown, kept with the request: its hash is part of the
 * request's actionHash, and at execution a diff that hashes otherwise refuses the step
 * (jobs/plan/helm-diff-binding.ts). `text` is the diff cut to a bound; `hash` is of the whole.
 */
export const shownDiffSchema = z.strictObject({
  env: z.string(),
  hash: z.string(),
  summary: z.string(),
  changed: z.boolean(),
  text: z.string().max(KEPT_DIFF_CHARS),
  /** Lines of the diff left out of `text` to keep the request small. */
  omittedLines: z.int().min(0),
});
export type ShownDiff = z.infer<typeof shownDiffSchema>;

/** A mutating command waiting for, or past, its approval. Stored as JSON in Redis and re-validated on every read. */
export const changeRequestSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]{3,12}$/),
  service: z.string(),
  action: actionSchema,
  actionHash: z.string(),
  summary: z.string(),
  reason: z.string(),
  task: z.string().optional(),
  requester: callerSchema,
  approvalsRequired: z.int().min(0),
  approvals: z.array(voteSchema),
  decidedBy: voteSchema.optional(),
  state: z.enum(REQUEST_STATES),
  createdAt: z.number(),
  expiresAt: z.number(),
  updatedAt: z.number(),
  /** What the channel was told when the request ended. */
  outcome: z.string().optional(),
  errorCode: z.string().optional(),
  helmDiff: shownDiffSchema.optional(),
  /** An admin's reason to change outside the change window or inside a freeze; checked again at execution. */
  freezeOverride: z.string().optional(),
});
export type ChangeRequest = z.infer<typeof changeRequestSchema>;

export function toCallerRecord(caller: Caller): ChangeRequest['requester'] {
  const record: ChangeRequest['requester'] = { display: caller.display, transport: caller.transport, channel: caller.channel };
  if (caller.person !== undefined) record.person = caller.person;
  return record;
}

export function transition(request: ChangeRequest, to: RequestState, now: number, patch: Partial<ChangeRequest> = {}): ChangeRequest {
  if (!NEXT_STATES[request.state].includes(to)) {
    throw new CutoverError('request.not-pending', `Request ${request.id} is ${request.state}; it cannot become ${to}.`);
  }
  return { ...request, ...patch, state: to, updatedAt: now };
}

/**
 * Records one approval. The requester never counts, whichever transport they use, because
 * identity is the configured person and not a nick or a Slack handle.
 */
export function approve(request: ChangeRequest, approver: Caller, now: number, seenHash: string): ChangeRequest {
  assertOpen(request, now);
  if (approver.person === undefined) {
    throw new CutoverError('auth.forbidden', `${approver.display} is not a configured person and cannot approve.`);
  }
  if (approver.person === request.requester.person) {
    throw new CutoverError('auth.self-approval', `You asked for ${request.id}; someone else has to approve it.`);
  }
  if (seenHash !== request.actionHash) {
    throw new CutoverError('request.not-pending', `Request ${request.id} changed since it was shown; it needs a new request.`);
  }
  if (request.approvals.some((vote) => vote.person === approver.person)) {
    throw new CutoverError('request.not-pending', `You already approved ${request.id}; it needs ${remainingApprovals(request)} more from someone else.`);
  }
  const approvals = [...request.approvals, { person: approver.person, display: approver.display, transport: approver.transport, at: now }];
  const updated = { ...request, approvals, updatedAt: now };
  return approvals.length >= request.approvalsRequired ? transition(updated, 'approved', now) : updated;
}

/** Takes back one's own approval while the request still waits (a removed 👍). */
export function withdrawApproval(request: ChangeRequest, caller: Caller, now: number): ChangeRequest {
  assertOpen(request, now);
  const approvals = request.approvals.filter((vote) => vote.person !== caller.person);
  if (caller.person === undefined || approvals.length === request.approvals.length) {
    throw new CutoverError('request.not-pending', `${caller.display} has no approval on ${request.id} to withdraw.`);
  }
  return { ...request, approvals, updatedAt: now };
}

/**
 * Refuses a waiting request, or revokes an approved one that has not started (it may be queued
 * behind the service lock): an approval is permission, not an obligation.
 */
export function deny(request: ChangeRequest, decider: Caller, now: number): ChangeRequest {
  if (request.state !== 'approved') assertOpen(request, now);
  const vote = { person: decider.person ?? decider.display, display: decider.display, transport: decider.transport, at: now };
  return transition(request, 'denied', now, { decidedBy: vote });
}

export function remainingApprovals(request: ChangeRequest): number {
  return Math.max(0, request.approvalsRequired - request.approvals.length);
}

export function isExpired(request: ChangeRequest, now: number): boolean {
  return request.state === 'pending' && now >= request.expiresAt;
}

function assertOpen(request: ChangeRequest, now: number): void {
  if (isExpired(request, now)) {
    throw new CutoverError('request.expired', `Request ${request.id} expired; nothing was changed. Ask again if it is still needed.`);
  }
  if (request.state !== 'pending') {
    throw new CutoverError('request.not-pending', `Request ${request.id} is already ${request.state}.`);
  }
}
