import type { Redis } from 'ioredis';
import type { DeliveryReport } from '../../core/ports/delivery.js';
import type { NoticeContext } from '../../core/ports/task-log.js';

/** What a service posted to through an outbox (Phabricator, Grafana) is built from, besides its settings. */
export interface OutboxClientDeps {
  redis: Redis;
  /** The bot's Redis prefix; each service's outbox lives at `<prefix>:outbox:<service>`. */
  prefix: string;
  /** From the environment or the secret file, resolved by whoever builds the adapter. */
  token: string;
  onReport: (report: DeliveryReport<NoticeContext>) => void;
  fetch?: typeof globalThis.fetch;
  /** Epoch milliseconds. */
  now?: () => number;
}
