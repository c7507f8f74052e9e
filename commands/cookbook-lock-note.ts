import { formatDuration } from '../core/durations.js';
import type { Inventory } from '../core/inventory.js';
import { foldFqdns } from '../core/nodeset.js';
import { printable } from '../core/printable.js';
import type { CookbookLocks } from '../core/ports/cookbook-locks.js';

/**
 * What status says of spicerack's cookbook locks on the service's hosts: the foreign ones, by
 * holder (`cookbook locks: jayme@cumin1002 [31337] on wikikube-worker1001 (2m)`), so an operator
 * sees before asking why a change would be refused. cutover's own locks are its lock line's business.
 * Undefined when none are configured or none are held; a read that fails is said, never hidden.
 */
export async function cookbookLockNote(locks: Pick<CookbookLocks, 'locksOn'> | undefined, inventory: Inventory): Promise<string | undefined> {
  if (locks === undefined) return undefined;
  let held;
  try {
    held = await locks.locksOn(inventory.hosts.map((host) => host.fqdn));
  } catch (error) {
    return `cookbook locks unreadable: ${printable(error instanceof Error ? error.message : String(error), 80)}`;
  }
  const byHolder = new Map<string, { fqdns: string[]; ageSeconds: number }>();
  for (const lock of held.filter((candidate) => !candidate.cutover)) {
    const entry = byHolder.get(lock.owner) ?? { fqdns: [], ageSeconds: lock.ageSeconds };
    entry.fqdns.push(lock.fqdn);
    entry.ageSeconds = Math.max(entry.ageSeconds, lock.ageSeconds);
    byHolder.set(lock.owner, entry);
  }
  if (byHolder.size === 0) return undefined;
  const words = [...byHolder].map(([owner, { fqdns, ageSeconds }]) => `${printable(owner, 60)} on ${foldFqdns([...new Set(fqdns)])} (${formatDuration(ageSeconds * 1000)})`);
  return `cookbook locks: ${words.join('; ')}`;
}
