/** BullMQ queue names; the Redis prefix (config redis.prefix) keeps bots and tests apart. */
export const ACTIONS_QUEUE = 'actions';
export const TIMERS_QUEUE = 'timers';
/** Soak analysis ticks of migration plans: delayed jobs, so a soak survives a restart. */
export const PLAN_TICKS_QUEUE = 'plan-ticks';
/** The guard's looks at every pooled worker: a job scheduler per service, so one process runs each. */
export const GUARD_QUEUE = 'guard';

export function notifyQueueName(transport: string): string {
  return `notify-${transport}`;
}

/** BullMQ job ids may not contain ':' nor be all digits; request ids are neither. */
export function actionJobId(requestId: string): string {
  return `act-${requestId}`;
}

export function expiryJobId(requestId: string): string {
  return `expire-${requestId}`;
}
