import type { Annotations } from '../core/ports/annotations.js';
import type { ChangeRecorder, RecordedChange } from '../core/ports/change-records.js';
import type { DeliveryReport } from '../core/ports/delivery.js';
import type { NoticeContext, TaskLog } from '../core/ports/task-log.js';
import { printable } from '../core/printable.js';
import type { Notifier } from './notifier.js';

export interface ChangeRecordsDeps {
  taskLog?: TaskLog | undefined;
  annotations?: Annotations | undefined;
  log: (message: string, error?: unknown) => void;
}

/**
 * The Phabricator comment and the Grafana annotation of a change, each through its adapter's
 * retrying outbox: handing over is all the change waits for, and a failure to hand over is logged,
 * never thrown into the change it describes.
 */
export class ChangeRecords implements ChangeRecorder {
  constructor(private readonly deps: ChangeRecordsDeps) {}

  async record(change: RecordedChange): Promise<void> {
    const context: NoticeContext = {
      ...(change.requestId === undefined ? {} : { requestId: change.requestId }),
      ...(change.replyTo === undefined ? {} : { replyTo: `${change.replyTo.transport} ${change.replyTo.channel}` }),
    };
    const { taskLog, annotations } = this.deps;
    const text = change.undo === undefined ? change.text : `${change.text}\nTo undo: ${change.undo}`;
    const handed = await Promise.allSettled([
      taskLog === undefined || change.task === undefined ? undefined : taskLog.comment(change.task, `cutover (${change.service} ${change.dc} ${change.step}): ${text}`, context),
      annotations?.annotate({ time: change.time, ...(change.timeEnd === undefined ? {} : { timeEnd: change.timeEnd }), service: change.service, dc: change.dc, step: change.step, text }, context),
    ]);
    for (const outcome of handed) {
      if (outcome.status === 'rejected') this.deps.log(`could not queue the record of ${change.step}`, outcome.reason);
      else if (outcome.value !== undefined && !outcome.value.queued) this.deps.log(`the record of ${change.step} was not queued: ${outcome.value.reason}`);
    }
  }
}

/**
 * What becomes of a record in the channel: a delivery given up is said once where the change was
 * asked; retries are only logged (the outbox retries by itself, and the change itself is done).
 */
export function reportRecords(service: 'Phabricator' | 'Grafana', notifier: Pick<Notifier, 'send'>, log: (message: string, error?: unknown) => void) {
  return (report: DeliveryReport<NoticeContext>): void => {
    if (report.status === 'delivered') return;
    if (report.status === 'retrying') {
      log(`${service}: attempt ${report.attempts} failed, retrying: ${report.error}`);
      return;
    }
    const [transport, channel] = report.context.replyTo?.split(' ') ?? [];
    if (transport === undefined || channel === undefined) {
      log(`${service}: gave up after ${report.attempts} attempts: ${report.error}`);
      return;
    }
    const what = report.context.requestId === undefined ? 'a change' : report.context.requestId;
    void notifier
      .send({ transport, channel }, { kind: 'error', text: `⚠ ${service} did not take the record of ${what} after ${report.attempts} attempts: ${printable(report.error, 120)}; the change itself is done.` }, `record-${service}-${report.id}`)
      .catch((error: unknown) => log(`${service}: could not say that a record was given up`, error));
  };
}
