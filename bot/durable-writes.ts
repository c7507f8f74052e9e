import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { createRedisConnection } from '../jobs/redis-connection.js';
import { ReplicaWait } from '../jobs/replica-wait.js';
import type { ReadyRedis } from './redis-launcher.js';

export interface DurableWrites {
  /** Where the request store, the service locks and the audit log write. */
  client: Redis;
  wait: ReplicaWait;
  /** Writes the replicas did not confirm in time, by what they were; registered with the bot's metrics. */
  shortWaits: Counter<'what'>;
  /** The Redis as ready, its stop() also closing the durable connection (stop order is bot/main.ts's). */
  redis: ReadyRedis;
}

/**
 * With `redis.wait_replicas` > 0 the stores whose writes a failover must not lose get their own
 * connection: WAIT covers the writes of the connection it is sent on and holds that connection
 * until the replicas answer or the timeout passes, which must not hold up the queues' commands on
 * the shared one. Without replicas to wait for, the shared connection does for everything.
 */
export function durableWrites(settings: { wait_replicas: number; wait_timeout_ms: number }, ready: ReadyRedis, shared: Redis, onError: (error: Error) => void, log: Logger): DurableWrites {
  const shortWaits = new Counter({
    name: 'cutover_redis_replica_wait_short_total',
    help: 'Approvals, locks and audit entries written without redis.wait_replicas replicas confirming them within redis.wait_timeout_ms',
    labelNames: ['what'],
    registers: [],
  });
  const wait = new ReplicaWait({ replicas: settings.wait_replicas, timeoutMs: settings.wait_timeout_ms }, (short) => {
    log.warn({ what: short.what, acked: short.acked, wanted: short.wanted, err: short.error }, 'Redis replicas did not confirm a write in time; going on without them');
    // The kind of write, not its request id or service: a label per request would grow without end.
    shortWaits.inc({ what: short.what.split(' ')[0] ?? short.what });
  });
  if (!wait.enabled) return { client: shared, wait, shortWaits, redis: ready };
  const client = createRedisConnection(ready.target, 'client', onError);
  return {
    client,
    wait,
    shortWaits,
    redis: {
      ...ready,
      async stop() {
        await client.quit().catch(() => client.disconnect());
        await ready.stop();
      },
    },
  };
}
