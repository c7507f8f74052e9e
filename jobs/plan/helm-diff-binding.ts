import { createHash } from 'node:crypto';
import { CutoverError } from '../../core/errors.js';
import type { HelmDiffOutcome, PlanEffects } from '../../core/ports/plan-effects.js';
import { KEPT_DIFF_CHARS, type ChangeRequest, type ShownDiff } from '../../core/requests.js';
import type { Operation } from './step-operations.js';

/**
 * A helm step is approved with its diff in view (issue 14: the approver used to approve blind).
 * At filing the diff is taken read-only and kept with the request, its hash bound into the
 * approval; at execution it is taken again, and any other diff refuses the step before apply.
 */
export async function takeHelmDiff(operations: readonly Operation[], effects: Pick<PlanEffects, 'helmDiff'>): Promise<ShownDiff | undefined> {
  const env = helmEnv(operations);
  if (env === undefined) return undefined;
  const outcome = await diffOrWhy(effects, env);
  if (typeof outcome === 'string') {
    throw new CutoverError('adapter.command-failed', `helmfile -e ${env} diff failed, so there is no diff to approve; nothing was filed: ${outcome}`);
  }
  return shown(env, outcome);
}

/** Why the approved step must not apply now, or undefined when its diff is still the one approved. */
export async function helmDiffRefusal(operations: readonly Operation[], request: Pick<ChangeRequest, 'helmDiff'>, effects: Pick<PlanEffects, 'helmDiff'>): Promise<string | undefined> {
  const env = helmEnv(operations);
  if (env === undefined) return undefined;
  const approved = request.helmDiff;
  if (approved === undefined) return 'this helm step was approved without its diff; nothing was applied: file the step again';
  const outcome = await diffOrWhy(effects, env);
  if (typeof outcome === 'string') return `helmfile -e ${env} diff failed, so the approved diff cannot be confirmed; nothing was applied: ${outcome}`;
  if (diffHash(outcome.text) === approved.hash) return undefined;
  return `the helm diff changed since it was approved: now ${outcome.summary} (approved: ${approved.summary}); nothing was applied: file the step again`;
}

/** A step deploys at most one helmfile environment (core/plan's helm-deploy). */
function helmEnv(operations: readonly Operation[]): string | undefined {
  return operations.find((operation) => operation.kind === 'helm')?.env;
}

/** The diff, or why it could not be taken (a not-ok outcome or an adapter's error) in words. */
async function diffOrWhy(effects: Pick<PlanEffects, 'helmDiff'>, env: string): Promise<HelmDiffOutcome | string> {
  try {
    const outcome = await effects.helmDiff({ env });
    return outcome.ok ? outcome : outcome.summary;
  } catch (error) {
    // Adapters throw CutoverError for a command that failed, timed out or printed nonsense; anything else is a bug.
    if (error instanceof CutoverError) return error.message;
    throw error;
  }
}

function shown(env: string, outcome: HelmDiffOutcome): ShownDiff {
  const lines = outcome.text.split('\n');
  let kept = 0;
  let chars = 0;
  while (kept < lines.length && chars + (lines[kept]?.length ?? 0) + 1 <= KEPT_DIFF_CHARS) {
    chars += (lines[kept]?.length ?? 0) + 1;
    kept += 1;
  }
  return { env, hash: diffHash(outcome.text), summary: outcome.summary, changed: outcome.changed, text: lines.slice(0, kept).join('\n'), omittedLines: lines.length - kept };
}

function diffHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
