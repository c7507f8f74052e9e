import type { PlanProgress, StepMark } from '../core/ports/plan-control.js';

const CHAT_MARKS: Record<StepMark, string> = { done: '✅', partial: '◐', current: '▶', paused: '⏸', todo: '○' };

/** `plan` in the channel: where the plan stands, each DC's steps marked, and what blocks it. */
export function planOverview(progress: PlanProgress): string {
  const lines = [`${progress.plan}${progress.task === undefined ? '' : ` (${progress.task})`} · ${progress.phase} at ${progress.position}`];
  for (const { dc, steps } of progress.datacenters) {
    lines.push(`${dc}: ${steps.map((step, index) => `${CHAT_MARKS[step.mark]} ${index + 1} ${step.id}`).join(' · ')}`);
  }
  lines.push(`blocking: ${progress.blocking}`);
  return lines.join('\n');
}
