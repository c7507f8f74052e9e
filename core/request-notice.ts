import type { HealthNow } from './health-now.js';
import type { ChangeRequest } from './requests.js';

/**
 * What a request's announcement is worded from (core/request-words.ts), the same for a request
 * filed and for a dry run of it: so `--dry-run` shows exactly what the approver would be shown.
 */
export interface RequestNotice {
  /** Undefined for a dry run: nothing was filed. */
  id: string | undefined;
  request: Omit<ChangeRequest, 'id'>;
  /** Who could approve it, the requester excluded. */
  approvers: readonly string[];
  /** Health now, for a depool's approver and a step's gate. */
  health?: HealthNow;
  /** A depool's approver sees what the pool would lose: the workers real traffic has proven, and the policy's arithmetic. */
  capacity?: { proven: readonly string[]; arithmetic: string };
  /** A dry run only: what is done once it is approved, beyond the actions shown (the write, the checks, the soak). */
  then?: readonly string[];
}
