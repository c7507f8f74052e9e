import type { LeadershipView } from '../core/ports/leadership.js';

/** `led by cutover-a (lease 7 since 20:31 UTC)`: which instance speaks, for status; undefined with a single, uncontested bot. */
export async function leadershipNote(view: LeadershipView | undefined): Promise<string | undefined> {
  if (view === undefined) return undefined;
  const { leader, leading } = await view.describe().catch(() => ({ leader: undefined, leading: false }));
  if (leader === undefined) return leading ? undefined : 'no instance holds the leader lease';
  return `led by ${leader.instance}${leading ? '' : ` (not ${view.instance})`} (lease ${leader.token} since ${new Date(leader.since).toISOString().slice(11, 16)} UTC)`;
}
