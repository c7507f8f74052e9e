import { createHash } from 'node:crypto';
import { approversFor, type Caller } from './access.js';
import { actionHash, describeAction, type Action } from './actions.js';
import { CutoverError } from './errors.js';
import type { AccessModel } from './model.js';
import { toCallerRecord, type ChangeRequest, type ShownDiff } from './requests.js';

/** What someone asks for: the action, who asks and why, and how many others must approve it. */
export interface RequestInput {
  service: string;
  action: Action;
  caller: Caller;
  reason: string;
  task?: string | undefined;
  approvalsRequired: number;
  /** A helm step's diff as its approver is shown it: bound into the hash, as a pool change's expected state is. */
  helmDiff?: ShownDiff | undefined;
  /** An admin's reason to file and run it outside the change window or inside a freeze (core/change-gate.ts). */
  freezeOverride?: string | undefined;
}

/** A request as it would be filed (without its id), and the people who could approve it. */
export interface RequestDraft {
  draft: Omit<ChangeRequest, 'id'>;
  approvers: readonly string[];
}

/** What drafting reads of the configuration: who may approve, and how long a request may wait. */
export type DraftSettings = Pick<AccessModel, 'people'> & { services: Readonly<Record<string, { approval: { ttl_seconds: number } } | undefined>> };

const DEFAULT_TTL_SECONDS = 900;

/**
 * Every request, whatever it changes (pool, depool, a plan step, a rollback, an emergency stop),
 * is built here: bound to the hash of its exact action (and so to the state it showed), gated by
 * configured approvers other than the requester, and given its expiry. Pure, so a dry run shows
 * exactly what filing would.
 */
export function draftRequest(input: RequestInput, config: DraftSettings, now: number): RequestDraft {
  const { service, action, caller, approvalsRequired } = input;
  const approvers = approversFor(config, service, caller.person);
  if (approvalsRequired > approvers.length) {
    throw new CutoverError('auth.forbidden', `This needs ${approvalsRequired} approvers besides you; the config has ${approvers.length}.`);
  }
  const ttlSeconds = config.services[service]?.approval.ttl_seconds ?? DEFAULT_TTL_SECONDS;
  const draft: Omit<ChangeRequest, 'id'> = {
    service,
    action,
    actionHash: input.helmDiff === undefined ? actionHash(action) : boundHash(actionHash(action), input.helmDiff.hash),
    summary: describeAction(action),
    reason: input.reason,
    ...(input.task === undefined ? {} : { task: input.task }),
    ...(input.helmDiff === undefined ? {} : { helmDiff: input.helmDiff }),
    ...(input.freezeOverride === undefined ? {} : { freezeOverride: input.freezeOverride }),
    requester: toCallerRecord(caller),
    approvalsRequired,
    approvals: [],
    // Nobody else has to agree: it is approved as it is filed, and queued at once.
    state: approvalsRequired === 0 ? 'approved' : 'pending',
    createdAt: now,
    expiresAt: now + ttlSeconds * 1000,
    updatedAt: now,
  };
  return { draft, approvers };
}

/** The action's hash and the shown diff's, as one: an approval (a Slack button's hash too) covers both. */
function boundHash(action: string, diff: string): string {
  return createHash('sha256').update(`${action} ${diff}`).digest('hex').slice(0, 16);
}
