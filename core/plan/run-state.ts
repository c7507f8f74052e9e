import * as z from 'zod';
import { poolStateSchema } from '../pool-state.js';
import { CutoverError } from '../errors.js';
import type { Plan, PlanStep } from './plan-schema.js';

export const PLAN_PHASES = ['ready', 'awaiting-approval', 'acting', 'soaking', 'paused', 'rolling-back', 'done', 'aborted', 'stopped'] as const;
export type PlanPhase = (typeof PLAN_PHASES)[number];

const NEXT_PHASES: Record<PlanPhase, readonly PlanPhase[]> = {
  ready: ['awaiting-approval', 'acting', 'paused', 'aborted', 'stopped', 'rolling-back', 'done'],
  'awaiting-approval': ['ready', 'acting', 'paused', 'aborted', 'stopped'],
  acting: ['soaking', 'ready', 'paused', 'rolling-back', 'stopped', 'done'],
  soaking: ['ready', 'paused', 'rolling-back', 'stopped', 'done'],
  paused: ['ready', 'soaking', 'acting', 'rolling-back', 'aborted', 'stopped'],
  'rolling-back': ['ready', 'paused', 'stopped'],
  done: ['rolling-back', 'stopped'],
  aborted: ['ready', 'stopped'],
  stopped: ['ready'],
};

/** One change the runner made, written before (intent) and after (done) it happens. */
export const journalEntrySchema = z.strictObject({
  seq: z.int().min(1),
  dc: z.string(),
  stepId: z.string(),
  wave: z.int().min(0),
  /** `silence`: an Alertmanager silence of a bare-metal host the plan depooled; done while it holds, reverted once expired. */
  kind: z.enum(['set-pooled', 'puppet', 'helm', 'silence']),
  /** conftool path, cumin selector, helm env, or the silenced host's FQDN. */
  target: z.string(),
  /** The silence's id in Alertmanager, what expiring it takes. */
  silenceId: z.string().min(1).optional(),
  from: poolStateSchema.optional(),
  to: poolStateSchema.optional(),
  detail: z.string(),
  status: z.enum(['intent', 'done', 'reverted', 'failed']),
  at: z.number(),
  /** The step request that made the change: a replay of that request redoes exactly its writes. */
  requestId: z.string().optional(),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

export const positionSchema = z.strictObject({ dc: z.int().min(0), step: z.int().min(0), wave: z.int().min(0) });
export type Position = z.infer<typeof positionSchema>;

export const planRunSchema = z.strictObject({
  plan: z.string(),
  service: z.string(),
  phase: z.enum(PLAN_PHASES),
  position: positionSchema,
  /** The approval request of the step in flight. */
  requestId: z.string().optional(),
  soak: z
    .strictObject({
      startedAt: z.number(),
      until: z.number(),
      checks: z.int().min(0),
      failures: z.int().min(0),
      lastSummary: z.string().optional(),
      /** When the last analysis ran: the watchdog reports a soak that stopped being checked. */
      lastCheckAt: z.number().optional(),
      /** The one tick that may run next; any other (left over from before a pause) is stale. */
      tickKey: z.string().optional(),
      /** Bumped by every resume, so the resumed soak's ticks never reuse an id BullMQ has kept. */
      resumes: z.int().min(0).optional(),
    })
    .optional(),
  pause: z
    .strictObject({
      reason: z.string(),
      at: z.number(),
      resume: z.enum(PLAN_PHASES),
      /** The step's checks were inconclusive: resume runs them again before the plan may go on. */
      recheck: z.boolean().optional(),
    })
    .optional(),
  /** Where progress is reported: the channel of the last plan command. */
  origin: z.strictObject({ transport: z.string(), channel: z.string() }).optional(),
  /** Set by `rollout`: after a wave's soak passes, the next wave is requested by itself. */
  rollout: z.strictObject({ by: z.string(), person: z.string().optional(), reason: z.string() }).optional(),
  /** Kept for runs stored by earlier versions; proof of workers now lives with the guard (jobs/guard/proof-store.ts). */
  proven: z.record(z.string(), z.array(z.string())).optional(),
  completed: z.array(z.strictObject({ dc: z.string(), stepId: z.string(), wave: z.int(), outcome: z.string(), at: z.number() })),
  journal: z.array(journalEntrySchema),
  updatedAt: z.number(),
});
export type PlanRun = z.infer<typeof planRunSchema>;

export function newPlanRun(plan: Plan, now: number): PlanRun {
  return {
    plan: plan.name,
    service: plan.service,
    phase: 'ready',
    position: { dc: 0, step: 0, wave: 0 },
    completed: [],
    journal: [],
    updatedAt: now,
  };
}

export function movePhase(run: PlanRun, to: PlanPhase, now: number, patch: Partial<PlanRun> = {}): PlanRun {
  if (!NEXT_PHASES[run.phase].includes(to)) {
    throw new CutoverError('request.not-pending', `The plan is ${run.phase}; it cannot become ${to}.`);
  }
  return { ...run, ...patch, phase: to, updatedAt: now };
}

export interface Located {
  dc: string;
  step: PlanStep;
  /** For wave steps, which wave; 0 otherwise. */
  wave: number;
  waveCount: number;
}

export function locate(plan: Plan, position: Position): Located | undefined {
  const dc = plan.datacenters[position.dc];
  const step = plan.steps[position.step];
  if (dc === undefined || step === undefined) return undefined;
  return { dc, step, wave: position.wave, waveCount: step.kind === 'waves' ? step.waves.length : 1 };
}

/** The position after the current one: next wave, else next step, else the next DC's first step. */
export function advance(plan: Plan, position: Position): Position | undefined {
  const here = locate(plan, position);
  if (here === undefined) return undefined;
  if (position.wave + 1 < here.waveCount) return { ...position, wave: position.wave + 1 };
  if (position.step + 1 < plan.steps.length) return { dc: position.dc, step: position.step + 1, wave: 0 };
  if (position.dc + 1 < plan.datacenters.length) return { dc: position.dc + 1, step: 0, wave: 0 };
  return undefined;
}

export function describePosition(plan: Plan, position: Position): string {
  const here = locate(plan, position);
  if (here === undefined) return 'the end of the plan';
  const wave = here.waveCount > 1 ? ` wave ${here.wave + 1}/${here.waveCount}` : '';
  return `${here.dc} step ${position.step + 1}/${plan.steps.length} ${here.step.id}${wave}`;
}

export function samePosition(a: Position, b: Position): boolean {
  return a.dc === b.dc && a.step === b.step && a.wave === b.wave;
}

export function nextSeq(run: PlanRun): number {
  return (run.journal.at(-1)?.seq ?? 0) + 1;
}
