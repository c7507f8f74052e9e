import * as z from 'zod';
import { diffSummarySchema } from './diff-summary.js';
import { notReadyPodSchema } from './kube-status.js';

export const helmDiffResultSchema = z.strictObject({
  env: z.string(),
  changed: z.boolean(),
  summary: diffSummarySchema,
  /** One line for the channel; "no changes" for an empty diff. */
  channelSummary: z.string(),
  /** The whole diff, for "show me the full diff" (secrets suppressed by helmfile, credentials redacted here). */
  text: z.string(),
  command: z.string(),
});
export type HelmDiffResult = z.infer<typeof helmDiffResultSchema>;

export const helmApplyResultSchema = z.strictObject({
  env: z.string(),
  /** What the deploy was for; helmfile's own SAL hook logs START/DONE, the bot logs this. */
  reason: z.string(),
  ok: z.boolean(),
  exitCode: z.int(),
  /** Last lines of helmfile's output (stdout then stderr), redacted: what went wrong, or the release summary. */
  tail: z.string(),
  durationMs: z.number().min(0),
  command: z.string(),
});
export type HelmApplyResult = z.infer<typeof helmApplyResultSchema>;

export const rolloutStatusSchema = z.strictObject({
  env: z.string(),
  namespace: z.string(),
  deployment: z.string(),
  /** kubectl rollout status said the rollout finished within its timeout. */
  rolledOut: z.boolean(),
  /** kubectl's last line, e.g. `deployment "kartotherian-main" successfully rolled out`. */
  message: z.string(),
  desired: z.int().min(0),
  updated: z.int().min(0),
  ready: z.int().min(0),
  notReady: z.array(notReadyPodSchema),
  terminating: z.int().min(0),
});
export type RolloutStatus = z.infer<typeof rolloutStatusSchema>;

/** Dry run: nothing ran; these are the exact command lines that would have. */
export type HelmOutcome<T> = { dryRun: true; commands: string[] } | ({ dryRun: false; commands: string[] } & T);

interface Call {
  /** A configured helmfile environment: staging, eqiad, codfw. */
  env: string;
  /** Kills the local process; over ssh a helm upgrade already under way may still finish or roll back. */
  signal?: AbortSignal;
  /** Overrides the adapter's dry-run mode for this call. */
  dryRun?: boolean;
}

/**
 * The Kartotherian release through helmfile and kubectl on the deployment host. A failed apply
 * or an unfinished rollout is a result; exceptions are for invalid input, commands that could
 * not run, timeouts, cancellation and unreadable output.
 */
export interface HelmDeployer {
  diff(request: Call): Promise<HelmOutcome<{ diff: HelmDiffResult }>>;
  apply(request: Call & { reason: string }): Promise<HelmOutcome<{ apply: HelmApplyResult }>>;
  rolloutStatus(request: Call & { namespace?: string; release?: string }): Promise<HelmOutcome<{ status: RolloutStatus }>>;
  /** The NodePorts a deploy opens on every worker; the probe adapter checks them. */
  nodePorts(): { tls: number; plain?: number };
}
