import type { ChangeRequest } from '../requests.js';
import type { RequestInput } from '../request-draft.js';

/**
 * The bot's own state as the decision layer and the jobs use it: requests and their filing,
 * locks, the audit trail, the clock. Redis implements them in jobs/; tests pass in-memory fakes.
 */
export interface RequestStore {
  /** Stores a new request under a fresh short id. */
  create(draft: Omit<ChangeRequest, 'id'>): Promise<ChangeRequest>;
  get(id: string): Promise<ChangeRequest | undefined>;
  /**
   * The request as this process last read or wrote it, without asking the store: possibly stale,
   * so only for what a decision checks first and update() checks again on the fresh value.
   */
  seen?(id: string): ChangeRequest | undefined;
  /** Applies `change` atomically: it is re-run on the fresh value if someone else wrote in between. */
  update(id: string, change: (current: ChangeRequest) => ChangeRequest): Promise<ChangeRequest>;
  recent(service: string, limit: number): Promise<ChangeRequest[]>;
  open(service: string): Promise<ChangeRequest[]>;
}

export interface ActionQueue {
  /** Queues an approved request for a worker; idempotent per request id. */
  enqueue(request: ChangeRequest): Promise<void>;
  /** Arranges for the request to expire at its deadline, in Redis rather than an in-memory timer. */
  scheduleExpiry(request: ChangeRequest): Promise<void>;
}

/** A request as filed, and the people who could approve it: what its announcement is worded from. */
export interface FiledRequest {
  request: ChangeRequest;
  approvers: readonly string[];
}

/**
 * The one way a request is filed, whatever it changes: built by core/request-draft.ts, stored,
 * its expiry scheduled (or, needing no approval, queued at once), and `request.created` audited.
 */
export interface RequestFiling {
  file(input: RequestInput): Promise<FiledRequest>;
}

export interface LockInfo {
  holder: string;
  requestId: string;
  since: number;
}

export interface LockView {
  current(service: string): Promise<LockInfo | undefined>;
}

export interface AuditEntry {
  event: string;
  service: string;
  /** The configured person, or `<nick> (unidentified <transport> nick)` for someone the config does not know (core/identity.ts). */
  who: string;
  /** What the transport vouched for: `irc account bob`, `slack U024BE7LH`; absent for the bot's own entries. */
  as?: string;
  where: string;
  requestId?: string;
  detail: string;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
}

export interface AuditRecord extends AuditEntry {
  /** The stream id: when, to the millisecond, and unique. */
  id: string;
  at: string;
}

export interface AuditFilter {
  service: string;
  who?: string;
  /** An event name or its prefix, e.g. `approval` or `action.failed`. */
  event?: string;
  requestId?: string;
  limit: number;
}

export interface AuditReader {
  /** Newest first. */
  recent(filter: AuditFilter): Promise<AuditRecord[]>;
}

export interface Clock {
  now(): number;
}
