import { CutoverError } from '../core/errors.js';
import { createActionProcessor } from '../jobs/action-processor.js';
import { createExpiryProcessor } from '../jobs/expiry-processor.js';
import { requeueApproved } from '../jobs/requeue-approved.js';
import type { Core } from './compose-core.js';

/** Renewed by a live holder every third of it; what a crashed holder (not its own replay) blocks others for. */
const LOCK_TTL_MS = 2 * 60_000;

/**
 * The part of a process that changes production, standbys included: approved requests and
 * expiries; after a restart, approved requests queued again. The guard's looks, the plans' soak
 * ticks and their reconcile are the leader's (leader-term.ts).
 */
export async function startWorkerRole(core: Core): Promise<void> {
  const { options, jobs, metrics, audit, deps, plans, safety, inventories, pooling, clock, requests, locks } = core;
  const { log, config } = options;
  jobs.startActionWorkers({
    action: createActionProcessor({
      requests,
      locks,
      audit,
      notifier: jobs.notifier,
      pooling,
      writer: safety.writer,
      inventories,
      clock,
      lockTtlMs: LOCK_TTL_MS,
      lockRetryMs: options.lockRetryMs ?? 2000,
      log: (message, error) => log.error({ err: error }, message),
      observers: deps.observers ?? new Map(),
      changeWindows: config.change_windows,
      fences: core.fences,
      ...(core.records.recorder === undefined ? {} : { records: core.records.recorder }),
      onFinished: (kind, state, seconds, errorCode) => {
        metrics.requests.inc({ state });
        metrics.actionSeconds.observe({ kind }, seconds);
        if (errorCode !== undefined) metrics.adapterErrors.inc({ code: errorCode });
      },
      runPlanStep: async (action, request) => {
        const runner = plans.get(action.service);
        if (runner === undefined) throw new CutoverError('input.invalid', `${action.service} has no plan configured in this process.`);
        return runner.execute(action, request);
      },
    }),
    expiry: createExpiryProcessor({ requests, audit, notifier: jobs.notifier, clock }),
  });
  const requeued = await requeueApproved(requests, jobs.actionQueue, Object.keys(config.services));
  if (requeued > 0) log.warn({ requeued }, 'approved requests from before a restart were queued again');
}
