/**
 * The last answer per key for a while, and one load at a time per key: a bare-metal probe sample
 * is 30 real requests, and status, the sampler, the guard and a soak may all ask within a second.
 * A failed load is not kept.
 */
export class Recent<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry !== undefined && this.now() - entry.at < this.maxAgeMs) return entry.value;
    const value = load();
    this.entries.set(key, { at: this.now(), value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}
