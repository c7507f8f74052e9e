import { createHash } from 'node:crypto';
import type { ChangeRecorder } from '../../core/ports/change-records.js';
import type { AuditLog } from '../../core/ports/stores.js';
import type { PoolRef } from '../../core/inventory.js';
import { foldFqdns } from '../../core/nodeset.js';
import type { WorkerRecord } from '../../core/policy/worker-proof.js';
import { everywhere, type Destination, type Notifier } from '../notifier.js';

export interface GuardVoiceDeps {
  service: string;
  notifier: Notifier;
  audit: AuditLog;
  /** Where to speak when the worker was not pooled from a channel: the plan's channel, or the service's first one. */
  fallback: () => Promise<Destination | undefined>;
  /** The task a change is logged against when the worker's own request named none (the plan's). */
  task: string | undefined;
  clock: { now(): number };
  /** Phabricator comments and Grafana annotations of the guard's depools, when configured. */
  records?: ChangeRecorder | undefined;
}

/**
 * How the guard tells people: in the channel the worker was pooled from (a depool in every
 * configured channel too), with a SAL line and an audit entry carrying reason, requester and
 * task like every other change.
 */
export class GuardVoice {
  constructor(private readonly deps: GuardVoiceDeps) {}

  /** A safety line (a depool, a depool refused) goes to every configured channel, the worker's own first. */
  async say(record: WorkerRecord | undefined, text: string, kind: 'progress' | 'result' | 'error', dedupe: string, urgency?: 'safety'): Promise<void> {
    const destination = await this.destination(record);
    const target = urgency === 'safety' ? everywhere({ also: destination }) : destination;
    if (target === undefined) return;
    await this.deps.notifier.send(target, { kind, text, ...(urgency === undefined ? {} : { urgency }) }, `guard-${this.deps.service}-${hash(dedupe)}`);
  }

  /** `!log` for a change the guard made: what, why (the numbers), for whom, and the task. */
  async log(records: readonly WorkerRecord[], what: string, why: string, dedupe: string): Promise<void> {
    const { requester, task } = this.provenance(records);
    await this.say(records[0], `!log cutover-guard@cutover ${what} - ${why} - ${requester}${task === undefined ? '' : ` - ${task}`}`, 'progress', `sal-${dedupe}`);
  }

  /**
   * One depool of one look (however many workers) kept outside the chat: a comment on the task of
   * whoever pooled the workers (the plan's for a worker pooled outside cutover) with the command
   * that repools them, and a Grafana annotation. Never throws: the depool is done whatever happens.
   */
  async record(pool: Pick<PoolRef, 'dc' | 'lvsService'>, records: readonly WorkerRecord[], text: string): Promise<void> {
    const recorder = this.deps.records;
    const first = records[0];
    if (recorder === undefined || first === undefined) return;
    const { requester, task, requestId } = this.provenance(records);
    const fqdns = records.map((record) => record.fqdn);
    const command = `!${this.deps.service} pool ${fqdns.length === 1 ? first.fqdn : 'HOST'} --service ${pool.lvsService}${task === undefined ? '' : ` --task ${task}`} repool after the guard's depool`;
    const undo = fqdns.length === 1 ? command : `${command}, for each HOST of ${foldFqdns(fqdns)}`;
    const replyTo = await this.destination(first).catch(() => undefined);
    await recorder
      .record({ service: this.deps.service, dc: pool.dc, step: 'guard-depool', task, text: `${text} · ${requester}`, undo, requestId, replyTo, time: this.deps.clock.now() })
      .catch(() => undefined);
  }

  /** Who pooled the workers, in which requests, and the task their changes belong to (the plan's when theirs named none). */
  private provenance(records: readonly WorkerRecord[]): { requester: string; task: string | undefined; requestId: string | undefined } {
    const pooledBy = records.map((record) => record.pooledBy);
    const people = [...new Set(pooledBy.flatMap((by) => (by === undefined ? [] : [by.by])))];
    const requests = [...new Set(pooledBy.flatMap((by) => (by?.requestId === undefined ? [] : [by.requestId])))];
    const requester = people.length === 0 ? 'pooled outside cutover' : `pooled by ${people.join(', ')}${requests.length === 0 ? '' : ` in ${requests.join(', ')}`}${pooledBy.includes(undefined) ? ' and outside cutover' : ''}`;
    const task = pooledBy.find((by) => by?.task !== undefined)?.task ?? this.deps.task;
    return { requester, task, requestId: requests[0] };
  }

  async audit(event: string, detail: string): Promise<void> {
    await this.deps.audit.append({ event, service: this.deps.service, who: 'cutover-guard', where: 'guard', detail });
  }

  private async destination(record: WorkerRecord | undefined): Promise<Destination | undefined> {
    const { transport, channel } = record?.pooledBy ?? {};
    if (transport !== undefined && channel !== undefined) return { transport, channel };
    return this.deps.fallback();
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 20);
}
