import type { PoolingBackend } from '../adapters/pooling.js';
import type { ChangeRequest } from '../core/requests.js';

/**
 * What the decision layer needs from the outside world. Implementations live in jobs/ and
 * adapters/ and are wired in bot/main.ts; tests pass the same real ones against real Redis.
 */
export interface RequestStore {
  /** Stores a new request under a fresh short id. */
  create(draft: Omit<ChangeRequest, 'id'>): Promise<ChangeRequest>;
  get(id: string): Promise<ChangeRequest | undefined>;
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
  who: string;
  where: string;
  requestId?: string;
  detail: string;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
}

export interface Clock {
  now(): number;
}

export interface CommandDeps {
  requests: RequestStore;
  queue: ActionQueue;
  pooling: Pick<PoolingBackend, 'kind' | 'listPool' | 'get'>;
  locks: LockView;
  audit: AuditLog;
  clock: Clock;
}
