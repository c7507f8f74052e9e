import type { CookbookLocks, HeldLock, HostLease, HostLockOutcome, LockRequester } from '../../core/ports/cookbook-locks.js';
import { expandNodeSet } from '../puppet/nodeset.js';
import type { SpicerackLocksSettings } from './settings.js';
import { LOCKS_BASE_PATH, type LockHolder, type LockPrefix, type SpicerackLocks } from './spicerack-locks.js';

/** Where cookbooks lock: per run (`cookbooks`) and from inside a cookbook (`custom`); `modules` are spicerack's own (DHCP), never per host. */
const HOST_PREFIXES: readonly LockPrefix[] = ['cookbooks', 'custom'];
/** The bot's owner strings start so; a holder with it is another cutover process (or this one). */
export const CUTOVER_OWNER_MARK = 'cutover ';

export interface HostLocksDeps {
  locks: SpicerackLocks;
  settings: SpicerackLocksSettings;
  /** This machine and process, for spicerack's `user@host [pid]` convention. */
  hostname: string;
  pid: number;
}

/**
 * The cookbook locks of a host, as cookbooks name them. Taking: one `cookbooks` lock (settings.take,
 * concurrency 1), after checking under the writer lock that no live lock covers the host: one whose
 * name's suffix after the first `:` is a node set holding the host's FQDN or short name (the
 * per-host cookbooks' `LockArgs(suffix=…)` and `lock().acquired("<cookbook>:<host>")`), or one of
 * settings.also_blocked_by (cookbook-wide locks of cookbooks that touch the service's hosts).
 */
export class SpicerackHostLocks implements CookbookLocks {
  constructor(private readonly deps: HostLocksDeps) {}

  async lockHost(fqdn: string, who: LockRequester): Promise<HostLockOutcome> {
    const names = this.blockingNames(fqdn);
    const outcome = await this.deps.locks.acquire('cookbooks', fillTemplate(this.deps.settings.take, fqdn), {
      concurrency: 1,
      ttlSeconds: this.deps.settings.ttl_seconds,
      owner: cutoverOwner(who, this.deps.hostname, this.deps.pid),
      blockedBy: { prefixes: HOST_PREFIXES, match: (holder) => covers(holder, fqdn, names) },
    });
    if (outcome.ok) return { ok: true, lease: { fqdn, key: outcome.key, id: outcome.id } };
    if (outcome.reason === 'busy') return outcome;
    return { ok: false, reason: 'held', holders: outcome.holders.map((holder) => held(holder, fqdn)) };
  }

  async unlockHost(lease: HostLease): Promise<void> {
    await this.deps.locks.release(lease.key, lease.id);
  }

  async locksOn(fqdns: readonly string[]): Promise<HeldLock[]> {
    const all = await this.deps.locks.scan(HOST_PREFIXES);
    return fqdns.flatMap((fqdn) => {
      const names = this.blockingNames(fqdn);
      return all.filter((holder) => covers(holder, fqdn, names)).map((holder) => held(holder, fqdn));
    });
  }

  private blockingNames(fqdn: string): Set<string> {
    return new Set(this.deps.settings.also_blocked_by.map((template) => `${LOCKS_BASE_PATH}/cookbooks/${fillTemplate(template, fqdn)}`));
  }
}

/** spicerack's owner is `user@host [pid]`; the bot's says it is cutover, whom it acts for and the request. */
export function cutoverOwner(who: LockRequester, hostname: string, pid: number): string {
  return `${CUTOVER_OWNER_MARK}${who.person}@${hostname} [${pid}]${who.requestId === undefined ? '' : ` request ${who.requestId}`}`;
}

export function fillTemplate(template: string, fqdn: string): string {
  const labels = fqdn.split('.');
  return template.replaceAll('{fqdn}', fqdn).replaceAll('{short}', labels[0] ?? fqdn).replaceAll('{dc}', labels[1] ?? '');
}

function covers(holder: LockHolder, fqdn: string, names: ReadonlySet<string>): boolean {
  if (names.has(holder.key)) return true;
  const name = holder.key.slice(holder.key.lastIndexOf('/') + 1);
  const colon = name.indexOf(':');
  if (colon === -1) return false;
  const hosts = suffixHosts(name.slice(colon + 1));
  const short = fqdn.split('.')[0];
  return hosts.some((host) => host === fqdn || host === short);
}

/** A suffix that is not a node set (a cluster name, a project) names no host but itself. */
function suffixHosts(suffix: string): string[] {
  try {
    return expandNodeSet(suffix);
  } catch {
    return [suffix];
  }
}

function held(holder: LockHolder, fqdn: string): HeldLock {
  return { fqdn, key: holder.key, owner: holder.owner, ageSeconds: holder.ageSeconds, ttlSeconds: holder.ttlSeconds, concurrency: holder.concurrency, cutover: holder.owner.startsWith(CUTOVER_OWNER_MARK) };
}
