import { rolesOf, type Caller } from './access.js';
import type { Action } from './actions.js';
import { describeClosed, judgeChangeWindow, type ChangeWindows } from './change-window.js';
import { CutoverError } from './errors.js';
import type { AccessModel } from './model.js';

/** What the gate reads of a request, filed or about to run. */
export interface GatedChange {
  action: Action;
  /** An admin's reason for changing outside the window or inside a freeze. */
  freezeOverride?: string | undefined;
}

/**
 * The change-window rule every request passes, when it is filed (jobs/request-filer.ts) and again
 * when it is about to run: an approval given inside the window does not carry past its close.
 * An emergency stop is never held back (waiting is the risk), nor is an admin's override; the
 * guard's depools and a soak's own rollback are not requests and never come here.
 */
export function checkChangeWindow(settings: ChangeWindows | undefined, change: GatedChange, now: number, when: 'request' | 'execution'): void {
  if (settings === undefined || isEmergencyStop(change.action) || change.freezeOverride !== undefined) return;
  const verdict = judgeChangeWindow(settings, now);
  if (verdict.open) return;
  const refused = when === 'request' ? 'Refused' : 'Refused at execution, nothing was written';
  throw new CutoverError('safety.frozen', `${refused}: ${describeClosed(settings, verdict, now)}. An admin may add --override-freeze "why".`);
}

function isEmergencyStop(action: Action): boolean {
  return action.kind === 'plan-step' && action.operation === 'emergency-stop';
}

/** `--override-freeze` is an admin's alone, whether or not the window happens to be closed now. */
export function checkFreezeOverride(config: Pick<AccessModel, 'people'>, service: string, caller: Caller, override: string | undefined): void {
  if (override === undefined) return;
  if (!rolesOf(config, caller.person, service).includes('admin')) {
    throw new CutoverError('auth.forbidden', `Only an admin of ${service} may use --override-freeze; ask one to file it.`);
  }
  if (override.trim() === '') throw new CutoverError('input.invalid', '--override-freeze needs a reason: --override-freeze "why it cannot wait".');
}
