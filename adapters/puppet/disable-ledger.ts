/**
 * Remembers the reason this bot disabled puppet with, per cumin query and per host, so that
 * enable-puppet with another reason is refused before it reaches a host. On the host,
 * enable-puppet would quietly exit 1 on a mismatch and leave puppet off with nobody noticing.
 * In memory by default; a persistent store can implement the same three methods.
 */
export interface DisableLedger {
  get(key: string): Promise<string | undefined>;
  set(key: string, reason: string): Promise<void>;
  delete(key: string): Promise<void>;
}

export class InMemoryDisableLedger implements DisableLedger {
  private readonly reasons = new Map<string, string>();

  async get(key: string): Promise<string | undefined> {
    return this.reasons.get(key);
  }

  async set(key: string, reason: string): Promise<void> {
    this.reasons.set(key, reason);
  }

  async delete(key: string): Promise<void> {
    this.reasons.delete(key);
  }
}
