import type { Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Fence } from '../core/ports/fence.js';
import { allOf, type FenceScope } from './fence-scope.js';
import { jobLockFence } from './job-lock-fence.js';

/** The processor run inside its job's lock fence, and `also` when given (the leader's lease for the leader's own work). */
export function fencedProcessor(fences: FenceScope, redis: Redis, processor: Processor, also?: Fence): Processor {
  return (job, token, signal) => fences.run(allOf(jobLockFence(redis, job, token), ...(also === undefined ? [] : [also])), () => processor(job, token, signal));
}
