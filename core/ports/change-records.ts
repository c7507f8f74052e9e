/**
 * A change the team keeps a record of outside the chat: a comment on its Phabricator task (with
 * the command that undoes it) and a Grafana annotation, so dashboards show when the share moved.
 * Recording never throws into the change: what cannot be delivered now is retried, and said in
 * the channel when it is given up.
 */
export interface ChangeRecorder {
  record(change: RecordedChange): Promise<void>;
}

export interface RecordedChange {
  service: string;
  dc: string;
  /** The plan step's id, or the hand action (`pool`, `depool`, `emergency-stop`). */
  step: string;
  /** The request's task (T378944); without one, no comment, only the annotation. */
  task?: string | undefined;
  /** What happened, in the channel's words. */
  text: string;
  /** The exact command that undoes it, when there is one. */
  undo?: string | undefined;
  requestId?: string | undefined;
  /** Where a delivery that was given up is said: the request's channel. */
  replyTo?: { transport: string; channel: string } | undefined;
  /** Epoch milliseconds; `timeEnd` for a step with a duration (its soak). */
  time: number;
  timeEnd?: number | undefined;
}
