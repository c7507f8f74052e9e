import type { Caller } from '../access.js';
import type { RequestNotice } from '../request-notice.js';

/** Where a plan's progress is reported: the channel its last command came from. */
export interface PlanOrigin {
  transport: string;
  channel: string;
}

/** How far a DC got through one step; `current` and `paused` mark where the plan stands. */
export type StepMark = 'done' | 'partial' | 'current' | 'paused' | 'todo';

/** Where the plan stands, as data: `plan` prints it, the status page draws it. */
export interface PlanProgress {
  plan: string;
  task?: string;
  phase: string;
  /** e.g. "eqiad step 5/8 first-worker". */
  position: string;
  datacenters: { dc: string; steps: { id: string; title: string; mark: StepMark }[] }[];
  /** What the plan waits for, in one sentence. */
  blocking: string;
  /** The plan's health limits (its analysis settings), for anyone showing the numbers. */
  limits: { errorRatioMax: number; p99SecondsMax: number };
}

/** Where a person left the plan (paused, aborted, resumed) and who: commands/ words it. */
export interface PlanHeld {
  plan: string;
  /** e.g. "eqiad step 5/8 first-worker". */
  position: string;
  phase: string;
  by: string;
}

/** A paused plan going on, or (after an inconclusive check) its step checked again first. */
export type PlanResumed = ({ kind: 'resumed' } & PlanHeld) | { kind: 'rechecked'; plan: string; by: string; dc: string; stepId: string; result: string };

/**
 * The migration plan as the commands see it. Every call returns data and commands/ words it;
 * the mutating ones file requests the one way every request is filed (RequestFiling). With
 * `dryRun` a request is built and shown exactly as it would be filed, and nothing is filed.
 */
export interface PlanControl {
  readonly service: string;
  progress(): Promise<PlanProgress>;
  requestNext(caller: Caller, options: { rollout: boolean; reason: string; task?: string; dryRun?: boolean; freezeOverride?: string }): Promise<RequestNotice>;
  requestRollback(caller: Caller, reason: string, options?: { dryRun?: boolean; freezeOverride?: string }): Promise<RequestNotice>;
  emergencyStop(caller: Caller, reason: string, options?: { dryRun?: boolean; freezeOverride?: string }): Promise<RequestNotice>;
  pause(caller: Caller, reason: string): Promise<PlanHeld>;
  resume(caller: Caller): Promise<PlanResumed>;
  abort(caller: Caller, reason: string): Promise<PlanHeld>;
}
