import type { LeaderRecord } from '../core/ports/leadership.js';

/** What a standby says of itself: who leads instead, and that it takes over when that one stops. */
export function leaderWords(instance: string, holder: LeaderRecord | undefined): string {
  const who = holder === undefined ? 'another instance leads' : `${holder.instance} leads (lease ${holder.token}, since ${new Date(holder.since).toISOString().slice(11, 19)} UTC)`;
  return `${instance} stands by: ${who}; it answers here once it takes over.`;
}
