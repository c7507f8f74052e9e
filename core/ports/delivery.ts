/**
 * What became of one message handed to an outside service that must never block a change
 * (a Phabricator comment, a Grafana annotation): reported once per attempt that failed and once
 * when it was delivered or given up, so the channel can say so.
 */
export type DeliveryReport<Context> =
  | { status: 'delivered'; id: string; attempts: number; context: Context; detail?: string }
  | { status: 'retrying'; id: string; attempts: number; context: Context; error: string; nextAttemptAt: number }
  | { status: 'failed'; id: string; attempts: number; context: Context; error: string };

/** Handing over is all the caller waits for; delivery happens later, reported through a DeliveryReport. */
export type Enqueued = { queued: true; id: string } | { queued: false; reason: string };
