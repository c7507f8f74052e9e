import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobSystem } from './job-system.js';

/**
 * The bot's own numbers, for its own Prometheus: what people asked, what became of it, how long
 * actions took, what failed, and how much is waiting to be said in each channel.
 */
export class BotMetrics {
  readonly registry = new Registry();
  readonly commands = new Counter({ name: 'cutover_commands_total', help: 'Chat commands by name and outcome', labelNames: ['command', 'outcome'], registers: [this.registry] });
  readonly requests = new Counter({ name: 'cutover_requests_finished_total', help: 'Change requests by final state', labelNames: ['state'], registers: [this.registry] });
  readonly actionSeconds = new Histogram({
    name: 'cutover_action_duration_seconds',
    help: 'Approved actions from worker start to verified result, by action kind',
    labelNames: ['kind'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });
  readonly adapterErrors = new Counter({ name: 'cutover_adapter_errors_total', help: 'Failed actions by error code', labelNames: ['code'], registers: [this.registry] });
  readonly adapterCallSeconds = new Histogram({
    name: 'cutover_adapter_call_seconds',
    help: 'Calls into adapters (conftool, helmfile, cumin, probes, pybal, Prometheus, or the simulated fleet) by operation and outcome',
    labelNames: ['adapter', 'operation', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [this.registry],
  });
  readonly auditEvents = new Counter({ name: 'cutover_audit_events_total', help: 'Audit trail entries by event (commands, approvals, actions, plan steps)', labelNames: ['event'], registers: [this.registry] });
  readonly approvals = new Counter({
    name: 'cutover_approvals_total',
    help: 'Approval decisions: granted, refused (self-approval, not an approver, stale hash), withdrawn, denied, revoked',
    labelNames: ['decision'],
    registers: [this.registry],
  });

  /** `openRequests` lists every request not yet finished, for the requests-by-state gauge. */
  constructor(jobs: JobSystem, openRequests?: () => Promise<readonly { service: string; state: string }[]>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cutover_' });
    // Collected at scrape time, so the gauge is never stale.
    new Gauge({
      name: 'cutover_outbox_depth',
      help: 'Messages waiting to be said, per transport',
      labelNames: ['transport'],
      registers: [this.registry],
      async collect() {
        for (const [transport, queue] of jobs.outboxes) {
          const counts = await queue.getJobCounts('waiting', 'delayed', 'active');
          this.set({ transport }, Object.values(counts).reduce((sum, count) => sum + count, 0));
        }
      },
    });
    if (openRequests !== undefined) {
      new Gauge({
        name: 'cutover_requests_open',
        help: 'Change requests not yet finished, by service and state (pending, approved, running)',
        labelNames: ['service', 'state'],
        registers: [this.registry],
        async collect() {
          this.reset();
          for (const request of await openRequests()) this.inc({ service: request.service, state: request.state });
        },
      });
    }
    this.jobs = jobs;
  }

  /**
   * Seconds since each watch (a guard, a soak) last checked, read at scrape time: an alert on it
   * fires even when no chat is left to say so. The reader keeps the last known checks, so the
   * number goes on growing while Redis does not answer.
   */
  trackWatches(list: () => Promise<readonly { id: string; sinceMs: number }[]>): void {
    new Gauge({
      name: 'cutover_watch_seconds_since_check',
      help: 'Seconds since each watch (guard:<service>, soak:<plan>) last checked; two intervals is stale',
      labelNames: ['watch'],
      registers: [this.registry],
      async collect() {
        const watches = await list();
        // A soak that ended is no longer a watch: its series goes rather than freezing.
        this.reset();
        for (const watch of watches) this.set({ watch: watch.id }, watch.sinceMs / 1000);
      },
    });
  }

  observeAdapterCall(adapter: string, operation: string, outcome: 'ok' | 'error', seconds: number): void {
    this.adapterCallSeconds.observe({ adapter, operation, outcome }, seconds);
  }

  /** Fed by the audit log, so every decision is counted where it is recorded, whichever command made it. */
  observeAudit(event: string): void {
    this.auditEvents.inc({ event });
    const decision = APPROVAL_DECISIONS[event];
    if (decision !== undefined) this.approvals.inc({ decision });
  }

  private readonly jobs: JobSystem;

  /** prom-client's registry plus BullMQ's own queue metrics, in the text exposition format. */
  async exposition(): Promise<string> {
    const queues = await Promise.all([this.jobs.actions, this.jobs.timers, this.jobs.planTicks].map((queue) => queue.exportPrometheusMetrics()));
    return `${await this.registry.metrics()}\n${mergeFamilies(queues)}`;
  }
}

const APPROVAL_DECISIONS: Readonly<Record<string, string>> = {
  'approval.granted': 'granted',
  'approval.refused': 'refused',
  'approval.withdrawn': 'withdrawn',
  'request.denied': 'denied',
  'request.revoked': 'revoked',
};

/**
 * BullMQ exports each queue with its own HELP and TYPE lines; Prometheus refuses a family
 * declared twice, so the queues' samples are regrouped under one declaration per family.
 */
export function mergeFamilies(expositions: readonly string[]): string {
  const families = new Map<string, { header: string[]; samples: string[] }>();
  for (const text of expositions) {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const declared = /^# (HELP|TYPE) (\S+)/.exec(line);
      const name = declared?.[2] ?? /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)?.[1];
      if (name === undefined) continue;
      const family = families.get(name) ?? { header: [], samples: [] };
      families.set(name, family);
      if (declared !== null) {
        if (!family.header.some((existing) => existing.startsWith(`# ${declared[1]} `))) family.header.push(line);
      } else {
        family.samples.push(line.replace(/, /g, ','));
      }
    }
  }
  return [...families.values()].map((family) => [...family.header, ...family.samples].join('\n')).join('\n') + '\n';
}
