/**
 * Concurrent callers asking for the same key share one in-flight read; nothing is kept once it
 * settles, so a caller never gets an answer older than the read that was running when it asked.
 * A hundred operators typing `status` at once cost one read of each pool, not a hundred.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.flights.get(key);
    if (running !== undefined) return running;
    const flight = Promise.resolve()
      .then(work)
      .finally(() => this.flights.delete(key));
    this.flights.set(key, flight);
    return flight;
  }

  get size(): number {
    return this.flights.size;
  }
}
