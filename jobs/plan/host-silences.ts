import type { JournalEntry, Located } from '../../core/plan/run-state.js';
import type { ChangeRequest } from '../../core/requests.js';
import type { PoolChange } from '../../core/sal-pool-lines.js';
import { appendEntry, settleEntry } from './journal-writes.js';
import type { PlanContext } from './plan-context.js';
import type { SilenceEntry } from './plan-journal.js';
import type { PlanNarration } from './plan-narration.js';

export interface HostSilencesDeps {
  context: PlanContext;
  narration: Pick<PlanNarration, 'say' | 'taskOf'>;
}

/** Past the plan's last soak: time for a person to look before the host's alerts page again. */
const MARGIN_MS = 3_600_000;

/**
 * Alertmanager silences for the bare-metal hosts the plan takes out of a pool, as spicerack's
 * pool-depool cookbook downtimes a host it depools: `silence` journal entries (target: the
 * FQDN), done while they hold, reverted once expired when the host serves again. Alertmanager
 * failing never holds a change: it is said in the channel, and a silence nobody could expire
 * ends by itself when the plan would have ended.
 */
export class HostSilences {
  constructor(private readonly deps: HostSilencesDeps) {}

  /** A step's pool writes: bare metal that left pooled=yes is silenced, bare metal back at yes has its silences expired. */
  async afterPoolChanges(here: Located, request: ChangeRequest, changes: readonly PoolChange[]): Promise<void> {
    const { context } = this.deps;
    const silencer = context.silencer();
    if (silencer === undefined) return;
    const bareMetal = new Set(context.inventory.hosts.filter((host) => host.kind === 'bare-metal').map((host) => host.fqdn));
    const hosts = (leaving: boolean): string[] => [...new Set(changes.filter((change) => bareMetal.has(change.fqdn) && (change.from.pooled === 'yes') === leaving && (change.to.pooled === 'yes') !== leaving).map((change) => change.fqdn))];
    await this.expire(hosts(false), `back in: ${request.id}`);
    const silenced = new Set(this.live(await context.run()).map((entry) => entry.target));
    // A replay after a crash, or the host's other pool, may have silenced it already.
    const out = hosts(true).filter((fqdn) => !silenced.has(fqdn));
    if (out.length === 0) return;
    const until = context.now() + context.remainingSoakMs(here) + MARGIN_MS;
    const failed: string[] = [];
    for (const fqdn of out) {
      try {
        const task = this.deps.narration.taskOf(request);
        const silenceId = await silencer.silenceHost(fqdn, { reason: request.reason, requestId: request.id, until, ...(task === undefined ? {} : { task }) });
        const detail = `silenced ${shortName(fqdn)}'s host alerts until ${new Date(until).toISOString()}`;
        await appendEntry(context, { kind: 'silence', dc: here.dc, stepId: here.step.id, wave: here.wave, requestId: request.id, target: fqdn, silenceId, detail, status: 'done' });
      } catch (error) {
        failed.push(`${shortName(fqdn)} (${messageOf(error)})`);
      }
    }
    if (failed.length > 0) await this.deps.narration.say(`⚠ Alertmanager did not silence ${failed.join(', ')}: the change went on; their host alerts may page while they are out`, 'error', request.id);
  }

  /** Ends the live silences of `fqdns` (every one with 'all'), each entry reverted once Alertmanager took it. */
  async expire(fqdns: readonly string[] | 'all', why: string): Promise<void> {
    const { context } = this.deps;
    if (fqdns.length === 0) return;
    const silencer = context.silencer();
    if (silencer === undefined) return;
    const entries = this.live(await context.run()).filter((entry) => fqdns === 'all' || fqdns.includes(entry.target));
    const failed: string[] = [];
    for (const entry of entries) {
      try {
        await silencer.expire(entry.silenceId);
        await settleEntry(context, entry.seq, 'reverted', `${entry.detail} · expired, ${why}`);
      } catch (error) {
        failed.push(`${shortName(entry.target)} (${messageOf(error)})`);
      }
    }
    if (failed.length > 0) await this.deps.narration.say(`⚠ Alertmanager did not expire the silence of ${failed.join(', ')}: it ends by itself when due`, 'error');
  }

  private live(run: { journal: readonly JournalEntry[] }): SilenceEntry[] {
    return run.journal.filter((entry): entry is SilenceEntry => entry.kind === 'silence' && entry.status === 'done' && entry.silenceId !== undefined);
  }
}

function shortName(fqdn: string): string {
  return fqdn.split('.')[0] ?? fqdn;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
