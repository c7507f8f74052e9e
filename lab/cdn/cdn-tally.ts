/** What a CDN generator saw, for tests and `npm run lab`: the same outcomes its metrics count. */
export interface CdnTally {
  sent: number;
  /** 2xx and 3xx. */
  ok: number;
  /** Everything else, 502/504 for connection errors and timeouts included. */
  failed: number;
  byStatus: Record<string, number>;
  /** Not sent because too many requests were already waiting (a hung backend). */
  skipped: number;
}

export function emptyTally(): CdnTally {
  return { sent: 0, ok: 0, failed: 0, byStatus: {}, skipped: 0 };
}

/** The sum of several tallies (per DC, the whole lab). */
export function sumTallies(tallies: Iterable<CdnTally>): CdnTally {
  const total = emptyTally();
  for (const tally of tallies) {
    total.sent += tally.sent;
    total.ok += tally.ok;
    total.failed += tally.failed;
    total.skipped += tally.skipped;
    for (const [status, count] of Object.entries(tally.byStatus)) total.byStatus[status] = (total.byStatus[status] ?? 0) + count;
  }
  return total;
}
