import type { IntegrationStatus, IntegrationsView, Reachability } from '../core/ports/integrations.js';
import type { Clock } from '../core/ports/stores.js';

export interface IntegrationSource {
  /** As status names it: `alertmanager`, `phabricator`, `grafana`, `cookbook locks etcd`. */
  name: string;
  /** What makes two sources one (an Alertmanager's URL, shared by services); the name by default. */
  key?: string;
  /** A cheap call under a short deadline, for an integration nothing has used lately. */
  probe: () => Promise<Reachability>;
  /** How long what was heard stays fresh, and the least time between two probes (30 s in production). */
  probeIntervalMs: number;
  /** An outbox's waiting messages (shared by every process through Redis). */
  backlog?: () => Promise<NonNullable<IntegrationStatus['backlog']>>;
}

interface Heard {
  at: number;
  outcome: Reachability;
  /** The first failure of the current run of failures. */
  failingSince?: number;
}

/**
 * Whether each configured integration answers, from what its adapter already sees (every real
 * call reports here) and, for one not used lately, a probe at most once per interval whoever asks:
 * status and the status page read this, never the services themselves.
 */
export class IntegrationHealth implements IntegrationsView {
  /** By key. */
  private readonly sources = new Map<string, IntegrationSource>();
  private readonly heard = new Map<string, Heard>();
  private readonly probes = new Map<string, { at: number; running: Promise<void> }>();

  constructor(private readonly clock: Clock) {}

  /**
   * Adds an integration; what its adapter sees goes to the function returned. A second source of
   * the same key is the first one; a second of the same name but another key is named by its key.
   */
  add(source: IntegrationSource): (outcome: Reachability) => void {
    const key = source.key ?? source.name;
    const known = this.sources.get(key);
    const taken = [...this.sources.values()].some((other) => other.name === source.name);
    const added = known ?? (taken ? { ...source, name: `${source.name} ${key}` } : source);
    this.sources.set(key, added);
    return (outcome) => this.observe(added.name, outcome);
  }

  get size(): number {
    return this.sources.size;
  }

  observe(name: string, outcome: Reachability): void {
    const now = this.clock.now();
    const previous = this.heard.get(name);
    const failingSince = outcome.ok ? undefined : previous !== undefined && !previous.outcome.ok ? previous.failingSince : now;
    this.heard.set(name, { at: now, outcome, ...(failingSince === undefined ? {} : { failingSince }) });
  }

  async statuses(): Promise<IntegrationStatus[]> {
    return Promise.all([...this.sources.values()].map((source) => this.status(source)));
  }

  private async status(source: IntegrationSource): Promise<IntegrationStatus> {
    await this.probeIfQuiet(source);
    const backlog = await source.backlog?.().catch(() => undefined);
    const heard = this.heard.get(source.name);
    const base = { name: source.name, ...(backlog === undefined ? {} : { backlog }) };
    if (heard === undefined) return { ...base, state: 'unknown' };
    if (heard.outcome.ok) return { ...base, state: 'ok' };
    return { ...base, state: heard.outcome.unreachable ? 'unreachable' : 'failing', since: heard.failingSince, error: heard.outcome.error };
  }

  /** Heard from within the interval: nothing to do. Otherwise one probe, shared by everyone asking meanwhile. */
  private async probeIfQuiet(source: IntegrationSource): Promise<void> {
    const now = this.clock.now();
    const heard = this.heard.get(source.name);
    if (heard !== undefined && now - heard.at < source.probeIntervalMs) return;
    const last = this.probes.get(source.name);
    if (last !== undefined && now - last.at < source.probeIntervalMs) return last.running;
    const running = source
      .probe()
      .catch((error: unknown): Reachability => ({ ok: false, error: error instanceof Error ? error.message : String(error), unreachable: false }))
      .then((outcome) => this.observe(source.name, outcome));
    this.probes.set(source.name, { at: now, running });
    return running;
  }
}
