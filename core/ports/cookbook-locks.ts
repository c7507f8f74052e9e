/**
 * Spicerack's cookbook locks, as the bot sees them: a host is locked the way a cookbook locks it
 * before the bot changes it, so a cookbook that would drain or reboot the same host waits for the
 * bot and the bot refuses while a cookbook holds the host. Non-blocking: a refusal names who holds
 * what and since when, rather than waiting half an hour as a cookbook would.
 */
export interface CookbookLocks {
  /** Checks every lock that covers the host and takes the bot's own, atomically against other lock writers. */
  lockHost(fqdn: string, who: LockRequester): Promise<HostLockOutcome>;
  /** Best effort, like spicerack's release: a lock that cannot be released still expires with its TTL. */
  unlockHost(lease: HostLease): Promise<void>;
  /** Live locks held by anyone on these hosts (the bot's own included, marked), for status. */
  locksOn(fqdns: readonly string[]): Promise<HeldLock[]>;
}

export interface LockRequester {
  /** The person the change is for, as the audit names them. */
  person: string;
  /** The request the change belongs to, when there is one. */
  requestId?: string;
}

/** What unlockHost needs; plain data so it can be kept in a job's record across a restart. */
export interface HostLease {
  fqdn: string;
  /** The etcd key, e.g. /spicerack/locks/cookbooks/sre.k8s.pool-depool-node:wikikube-worker1001.eqiad.wmnet. */
  key: string;
  /** The lock's uuid inside that key. */
  id: string;
}

export interface HeldLock {
  /** The host the lock covers, one of those asked about. */
  fqdn: string;
  key: string;
  owner: string;
  ageSeconds: number;
  ttlSeconds: number;
  concurrency: number;
  /** Taken by a cutover process (its owner string says so), this one or another. */
  cutover: boolean;
}

export type HostLockOutcome =
  | { ok: true; lease: HostLease }
  /** Someone else's live lock covers the host. */
  | { ok: false; reason: 'held'; holders: HeldLock[] }
  /** spicerack's etcd writer lock stayed taken through every retry: a lock writer is stuck or slow. */
  | { ok: false; reason: 'busy'; detail: string };
