import type { PoolEntry } from '../core/ports/pooling.js';
import type { PolicyChange } from '../core/policy/pool-policy.js';
import type { PoolState } from '../core/pool-state.js';

interface Change {
  to: PoolState;
  /** The revision the change was judged on: the pool read still showing it means the write has not landed (or has, unseen by that read). */
  from: string;
  /** When it landed, in the pool's sequence; undefined while on the wire. */
  landedAt?: number;
}

interface Flight {
  writers: number;
  sequence: number;
  /** Writers that started reading the pool and have not been judged yet, by when they started. */
  reading: Set<number>;
  changes: Map<string, Change>;
}

/** One writer's place among the writes of one pool under way. */
export interface Ticket {
  /** The other writes to count as done for a judgement on `entries` (the pool as this writer read it). */
  others(entries: readonly PoolEntry[], fqdn: string): PolicyChange[];
  /** Judged and allowed: from now on the others are judged with it. Call in the same turn as the judgement. */
  judged(fqdn: string, to: PoolState, from: string): void;
  landed(fqdn: string): void;
  /** Not written, and never will be. */
  failed(fqdn: string): void;
  leave(): void;
}

/**
 * The pool writes under way in this process, per conftool pool (a wave writes a few at once),
 * so each write is judged with the others counted as done (PoolWriter). A change counts for a
 * read that still shows the revision it was made from; a read showing another has it landed, or
 * someone else's write to that key, and the read wins. A landed change is forgotten once every
 * writer still to be judged started reading after it landed: their reads have it.
 */
export class WritesUnderWay {
  private readonly pools = new Map<string, Flight>();

  enter(pool: string): Ticket {
    const flight = this.pools.get(pool) ?? { writers: 0, sequence: 0, reading: new Set<number>(), changes: new Map<string, Change>() };
    this.pools.set(pool, flight);
    flight.writers += 1;
    flight.sequence += 1;
    const startedAt = flight.sequence;
    flight.reading.add(startedAt);
    return {
      others: (entries, fqdn) => {
        forgetSeen(flight);
        const changes: PolicyChange[] = [];
        for (const [other, change] of flight.changes) {
          if (other !== fqdn && entries.find((entry) => entry.fqdn === other)?.revision === change.from) changes.push({ fqdn: other, to: change.to });
        }
        return changes;
      },
      judged: (fqdn, to, from) => {
        flight.reading.delete(startedAt);
        flight.changes.set(fqdn, { to, from });
      },
      landed: (fqdn) => {
        const change = flight.changes.get(fqdn);
        flight.sequence += 1;
        if (change !== undefined) change.landedAt = flight.sequence;
      },
      failed: (fqdn) => {
        flight.changes.delete(fqdn);
      },
      leave: () => {
        flight.reading.delete(startedAt);
        flight.writers -= 1;
        if (flight.writers === 0) this.pools.delete(pool);
      },
    };
  }
}

function forgetSeen(flight: Flight): void {
  let oldest = Number.POSITIVE_INFINITY;
  for (const startedAt of flight.reading) oldest = Math.min(oldest, startedAt);
  for (const [fqdn, change] of flight.changes) if (change.landedAt !== undefined && change.landedAt < oldest) flight.changes.delete(fqdn);
}
