import { Redis, type RedisOptions } from 'ioredis';
import { CutoverError } from '../core/errors.js';
import { sentinelOptions, type RedisTarget } from '../jobs/redis-connection.js';

export type Probe = { kind: 'ok' } | { kind: 'unreachable'; reason: string } | { kind: 'refused'; reason: string };

/** A URL, or ioredis options (a sentinel group's). */
export type Reach = string | RedisOptions;

/** CONFIG GET replies as a flat array under RESP2 and as a map under RESP3 (ioredis 6's default). */
export function configValue(reply: unknown): string | undefined {
  if (Array.isArray(reply)) return typeof reply[1] === 'string' ? reply[1] : undefined;
  if (reply instanceof Map) {
    const value: unknown = [...reply.values()][0];
    return typeof value === 'string' ? value : undefined;
  }
  if (reply !== null && typeof reply === 'object') {
    const value: unknown = Object.values(reply)[0];
    return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}

export async function probeRedis(reach: Reach, timeoutMs: number): Promise<Probe> {
  try {
    const reply = await withClient(reach, timeoutMs, (client) => client.ping());
    return reply === 'PONG' ? { kind: 'ok' } : { kind: 'unreachable', reason: `PING answered ${String(reply)}` };
  } catch (error) {
    const reason = (error as Error).message;
    // ReplyError means a Redis answered and said no (NOAUTH, WRONGPASS): a configuration problem, not an outage.
    return (error as Error).name === 'ReplyError' ? { kind: 'refused', reason } : { kind: 'unreachable', reason };
  }
}

/**
 * Runs `use` on a short-lived connection that fails fast instead of retrying. ioredis reports the real
 * cause only through 'error' events (connect() itself just says "Connection is closed."), and a peer
 * that accepts TCP but never answers would make connect() hang, hence the overall deadline.
 */
export async function withClient<T>(reach: Reach, timeoutMs: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const failFast: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null, enableOfflineQueue: false };
  const client = typeof reach === 'string' ? new Redis(reach, failFast) : new Redis({ ...reach, ...failFast, sentinelRetryStrategy: () => null, failoverDetector: false });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const work = (async () => {
    await client.connect();
    return use(client);
  })();
  // When the deadline wins, disconnecting below rejects `work` too; that outcome is already decided.
  work.catch(() => undefined);
  try {
    const result = await Promise.race([work, deadline]);
    await Promise.race([client.quit(), deadline]).catch(() => undefined);
    return result;
  } catch (error) {
    throw lastError ?? error;
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * Asks each sentinel for the primary, then PINGs the primary it names, so a bad sentinel list,
 * a wrong name or a wrong password is said at start in one line rather than as endless reconnects.
 */
export async function checkSentinels(target: Extract<RedisTarget, { kind: 'sentinel' }>, timeoutMs: number): Promise<string> {
  const answers = await Promise.all(
    target.sentinels.map(async ({ host, port }) => {
      const where = `${host}:${port}`;
      try {
        const reply = await withClient({ host, port, ...(target.sentinelPassword === undefined ? {} : { password: target.sentinelPassword }) }, timeoutMs, (client) =>
          client.call('SENTINEL', 'get-master-addr-by-name', target.name),
        );
        return Array.isArray(reply) ? { where, primary: `${String(reply[0])}:${String(reply[1])}` } : { where, unknown: true };
      } catch (error) {
        return { where, error: (error as Error).message };
      }
    }),
  );
  const primary = answers.find((answer) => answer.primary !== undefined)?.primary;
  if (primary === undefined) {
    const reasons = answers.map((answer) => `${answer.where}: ${answer.error ?? `does not monitor "${target.name}"`}`).join('; ');
    throw new CutoverError('redis.unavailable', `No sentinel names a primary for "${target.name}" (${reasons}): check redis.sentinels / REDIS_SENTINELS and the sentinel name.`);
  }
  const probe = await probeRedis(sentinelOptions(target), timeoutMs);
  if (probe.kind === 'refused') throw new CutoverError('redis.unavailable', `The primary ${primary} of "${target.name}" refused the connection (${probe.reason}): check REDIS_PASSWORD or the password in REDIS_URL.`);
  if (probe.kind === 'unreachable') throw new CutoverError('redis.unavailable', `The sentinels name ${primary} primary of "${target.name}", and it does not answer (${probe.reason}).`);
  return primary;
}
