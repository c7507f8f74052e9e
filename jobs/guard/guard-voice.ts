import { createHash } from 'node:crypto';
import type { AuditLog } from '../../core/ports/stores.js';
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
    const pooledBy = records.map((record) => record.pooledBy);
    const people = [...new Set(pooledBy.flatMap((by) => (by === undefined ? [] : [by.by])))];
    const requests = [...new Set(pooledBy.flatMap((by) => (by?.requestId === undefined ? [] : [by.requestId])))];
    const requester = people.length === 0 ? 'pooled outside cutover' : `pooled by ${people.join(', ')}${requests.length === 0 ? '' : ` in ${requests.join(', ')}`}${pooledBy.includes(undefined) ? ' and outside cutover' : ''}`;
    const task = pooledBy.find((by) => by?.task !== undefined)?.task ?? this.deps.task;
    await this.say(records[0], `!log cutover-guard@cutover ${what} - ${why} - ${requester}${task === undefined ? '' : ` - ${task}`}`, 'progress', `sal-${dedupe}`);
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
