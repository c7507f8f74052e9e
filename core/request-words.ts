import type { PlanStepAction, SetPooledAction } from './actions.js';
import { formatClock, formatDuration } from './durations.js';
import { healthNowWords } from './health-now.js';
import { foldFqdns } from './nodeset.js';
import { formatPoolState } from './pool-state.js';
import { printable } from './printable.js';
import type { RequestNotice } from './request-notice.js';

/** A dry run starts with this where a filed request has its glyph and id. */
const DRY_RUN = 'DRY RUN, nothing filed';

/** Past this many actions a filed step shows the first few and points at its dry run, which shows them all. */
const SHOWN_ACTIONS = 4;

/**
 * The announcement of a request, filed or dry run, for every kind (pool, depool, plan step,
 * rollback, emergency stop). One place, so a dry run reads as the request would, marked and
 * without an id; the announcement of a rollout's next wave (jobs/) reads as `next` does.
 */
export function requestWords(notice: RequestNotice): string {
  const { action } = notice.request;
  const head = action.kind === 'set-pooled' ? poolWords(notice, action) : action.operation === 'emergency-stop' ? stopWords(notice) : stepWords(notice, action);
  return [head, ...(notice.then ?? []).map((line) => `  ${line}`)].join('\n');
}

function poolWords(notice: RequestNotice, action: SetPooledAction): string {
  const { id, request, approvers } = notice;
  const now = `${request.summary}, now ${formatPoolState(action.expect?.state)}`;
  const why = `${request.reason}${request.task === undefined ? '' : ` (${request.task})`}`;
  if (request.approvalsRequired === 0) return `${id === undefined ? 'DRY RUN, nothing queued:' : `▶ ${id} queued:`} ${now} · ${why}`;
  const sees = [
    ...(notice.health === undefined ? [] : [healthNowWords(notice.health)]),
    ...(notice.capacity === undefined ? [] : [`proven workers: ${notice.capacity.proven.length === 0 ? 'none' : notice.capacity.proven.join(', ')}`, notice.capacity.arithmetic]),
  ];
  const gate = `needs ${request.approvalsRequired} approval from ${listNames(approvers)}${id === undefined ? '' : `: !approve ${id} or !deny ${id}`}`;
  const expires = `expires in ${formatDuration(request.expiresAt - request.createdAt)} (${formatClock(request.expiresAt)})`;
  return `${id === undefined ? DRY_RUN : `⏳ ${id}`}: ${request.requester.display} asks to ${[now, ...sees, why, gate, expires].join(' · ')}`;
}

function stepWords(notice: RequestNotice, action: PlanStepAction): string {
  const { id, request, approvers } = notice;
  // A dry run is where all of them are read; a filed request folds a wave's keys into one node set per change.
  // Only past what is shown anyway: a short request keeps each key in its order (a rollback's newest first).
  const lines = id === undefined || action.preview.length <= SHOWN_ACTIONS ? action.preview : foldConftoolLines(action.preview);
  const shown =
    lines.length === 0
      ? 'no change, a report only'
      : lines.length <= SHOWN_ACTIONS || id === undefined
        ? lines.join(' ; ')
        : `${lines.slice(0, SHOWN_ACTIONS - 1).join(' ; ')} ; … ${lines.length - SHOWN_ACTIONS + 1} more (!${request.service} ${action.operation === 'rollback' ? 'rollback' : 'next'} --dry-run)`;
  const health = notice.health === undefined ? [] : [healthNowWords(notice.health)];
  const required = request.approvalsRequired;
  const gate =
    required === 0
      ? id === undefined ? 'no approval needed' : 'queued (no approval needed)'
      : `needs ${required} approval from ${approvers.join(', ')}${id === undefined ? '' : `: !approve ${id} or !deny ${id}`}`;
  const head = id === undefined ? DRY_RUN : `${required === 0 ? '▶' : '⏳'} ${id}`;
  return `${head}: ${request.requester.display} asks to run ${[request.summary, shown, ...diffWords(notice), ...health, gate].join(' · ')}`;
}

/**
 * A helm step's diff, as a clause: what it changes, and where the whole diff is read. Cut only
 * where it is absurdly long: its last part may be the ⚠ of a NodePort that moves.
 */
function diffWords({ id, request }: RequestNotice): string[] {
  const diff = request.helmDiff;
  if (diff === undefined) return [];
  const where = id === undefined ? '' : ` (whole diff: !${request.service} diff ${id})`;
  return [diff.changed ? `helm diff: ${printable(diff.summary, 400)}${where}` : 'helm diff: no changes, apply would change nothing'];
}

function stopWords(notice: RequestNotice): string {
  const { id, request } = notice;
  const lines = request.action.kind === 'plan-step' ? request.action.preview : [];
  const what = `repool bare metal first, then depool workers (${lines.length} writes)`;
  if (id !== undefined) return `🛑 ${id} EMERGENCY STOP queued by ${request.requester.display}: ${what}. ${request.reason}`;
  return `${DRY_RUN}: EMERGENCY STOP by ${request.requester.display}: ${what}${lines.length === 0 ? '' : `: ${lines.join(' ; ')}`}. ${request.reason}`;
}

const CONFTOOL_LINE = /^conftool (\/\S+)\/([^/\s]+) (\{.*\} → \{.*\})$/;

/**
 * `conftool …/kartotherian-k8s-ssl/wikikube-worker[1001-1050].eqiad.wmnet (50 keys) {…} → {…}`:
 * fifty writes of the same change in one pool read as one, in order, so a wave's request is one
 * IRC line of actions, not three lines and "… 47 more". Other lines are kept as they are.
 */
function foldConftoolLines(lines: readonly string[]): string[] {
  const groups = new Map<string, { directory: string; change: string; names: string[] }>();
  const order: (string | { key: string })[] = [];
  for (const line of lines) {
    const match = CONFTOOL_LINE.exec(line);
    if (match === null) {
      order.push(line);
      continue;
    }
    const [, directory = '', name = '', change = ''] = match;
    const key = `${directory} ${change}`;
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, { directory, change, names: [name] });
      order.push({ key });
    } else group.names.push(name);
  }
  return order.map((item) => {
    if (typeof item === 'string') return item;
    const group = groups.get(item.key);
    if (group === undefined) return '';
    if (group.names.length === 1) return `conftool ${group.directory}/${group.names[0] ?? ''} ${group.change}`;
    return `conftool ${group.directory}/${foldFqdns(group.names)} (${group.names.length} keys) ${group.change}`;
  });
}

/** "bob", "bob or carol", "alice, bob or carol". */
function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
}
