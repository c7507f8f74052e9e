/**
 * Every failure cutover reports carries a stable code (for tests, metrics and audit),
 * a message written for the person in the channel, and the underlying cause.
 */
export type ErrorCode =
  | 'config.invalid'
  | 'config.unreadable'
  | 'input.invalid'
  | 'input.unknown-command'
  | 'input.unknown-host'
  | 'input.ambiguous-host'
  | 'auth.forbidden'
  | 'auth.self-approval'
  | 'request.not-found'
  | 'request.not-pending'
  | 'request.expired'
  | 'request.stale'
  | 'safety.capacity'
  | 'safety.unproven'
  | 'safety.frozen'
  | 'safety.locked'
  | 'pooling.conflict'
  | 'pooling.verify-failed'
  | 'pooling.backend'
  | 'redis.unavailable'
  | 'fence.lost'
  | 'adapter.command-failed'
  | 'adapter.timeout'
  | 'adapter.cancelled'
  | 'adapter.bad-output'
  | 'adapter.unreachable'
  | 'metrics.query-failed'
  | 'puppet.reason-mismatch'
  | 'transport.unavailable'
  | 'transport.refused';

export class CutoverError extends Error {
  override readonly name = 'CutoverError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isCutoverError(error: unknown, code?: ErrorCode): error is CutoverError {
  return error instanceof CutoverError && (code === undefined || error.code === code);
}
