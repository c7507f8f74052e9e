import type { Enqueued } from './delivery.js';

/**
 * The task where the team records what was done (Phabricator's Maniphest): a comment per plan
 * step's start and end, rollback, emergency stop and hand change, with the command that undoes it.
 * Never throws into the change it describes: a comment that cannot be posted now is retried and
 * its fate reported through the adapter's DeliveryReport callback.
 */
export interface TaskLog {
  /** `task` like T378944; `context` comes back in the report, e.g. the channel and request id. */
  comment(task: string, text: string, context: NoticeContext): Promise<Enqueued>;
}

/** Where a failure should be said: the request and the channel it came from. Plain data, stored with the message. */
export interface NoticeContext {
  requestId?: string;
  /** The transport's reply address, as the notifier knows it. */
  replyTo?: string;
}
