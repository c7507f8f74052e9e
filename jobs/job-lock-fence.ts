import { performance } from 'node:perf_hooks';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Fence } from '../core/ports/fence.js';
import { fenceLost } from './fence-scope.js';

/** Taken off what Redis says the lock has left: clock rates and the reply's own trip. */
const MARGIN_MS = 500;

/**
 * Who holds the lock and for how long, read at one instant (a MULTI did the same, at several times
 * the client's CPU: this check is on every job's path). A missing key comes back as null (Lua's false).
 */
const HOLDER_AND_TTL = `return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`;

/**
 * A BullMQ job's lock as a fence: BullMQ keeps `<prefix>:<queue>:<id>:lock` holding the token of
 * the worker running the job and renews it while that worker's event loop turns. A worker that
 * stalls past the lock (SIGSTOP, a frozen VM, a long GC) finds, when it wakes, its job moved to
 * another worker with another token; this is how it learns so before its next write or line.
 *
 * Nobody else can take the job while its lock still has time left, so a check that found the lock
 * ours with P ms to live holds, without asking again, until P ms after it was sent: a process that
 * stalls past that asks again when it wakes. Most checks of a short job cost nothing.
 */
export function jobLockFence(redis: Redis, job: Pick<Job, 'id' | 'queueQualifiedName'>, token: string | undefined): Fence {
  const label = `job ${job.id ?? '?'} of ${job.queueQualifiedName.split(':').at(-1) ?? 'its queue'}`;
  const key = `${job.queueQualifiedName}:${job.id ?? ''}:lock`;
  let ourUntil = -Infinity;
  return {
    label,
    async check() {
      if (token === undefined || performance.now() < ourUntil) return;
      const sent = performance.now();
      const [holder, ttl] = (await redis.eval(HOLDER_AND_TTL, 1, key)) as [string | null, number];
      if (holder !== token) throw fenceLost(label, holder === null ? 'its lock expired while this process was stalled' : 'another worker took it over after this one stalled');
      ourUntil = sent + ttl - MARGIN_MS;
    },
  };
}
