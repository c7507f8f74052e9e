/** Who holds the leader lease, as Redis has it: the instance, its fencing token and since when. */
export interface LeaderRecord {
  instance: string;
  /** From INCR of the epoch key: a later holder always has a larger one. */
  token: number;
  pid: number;
  host: string;
  /** Epoch milliseconds when this holder took the lease. */
  since: number;
}

/** What `status` and /readyz say about leadership: who leads, and whether this instance is the one. */
export interface LeadershipView {
  /** This process's instance name (CUTOVER_INSTANCE, else `<hostname>-<pid>`). */
  readonly instance: string;
  describe(): Promise<{ leader: LeaderRecord | undefined; leading: boolean }>;
}
