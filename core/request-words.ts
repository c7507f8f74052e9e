import type { PlanStepAction, SetPooledAction } from './actions.js';
import { formatClock, formatDuration } from './durations.js';
import { healthNowWords } from './health-now.js';
import { foldFqdns } from './nodeset.js';
import { formatPoolState, poolStateSchema } from './pool-state.js';
import { printable } from './printable.js';
import { poolChangeWords } from './sal-pool-lines.js';
import type { RequestNotice } from './request-notice.js';

/** A dry run starts with this where a filed request has its glyph and id. */
const DRY_RUN = 'DRY RUN, nothing filed';

/** Past this many actions a filed step shows the first few and points at its dry run, which shows them all. */
const SHOWN_ACTIONS = 4;

/**
 * A filed step's announcement is one IRC line (the shipped outbox's max_line_bytes, config/schema.ts):
 * a 50-host wave's request then costs one line of airtime, not two (issue 14).
 */
const ONE_LINE_BYTES = 350;

/**
 * The announcement of a request, filed or dry run, for every kind (pool, depool, plan step,
 * rollback, emergency stop). One place, so a dry run reads as the request would, marked and
 * without an id; the announcement of a rollout's next wave (jobs/) reads as `next` does.
 */
export function requestWords(notice: RequestNotice): string {
  const { action } = notice.request;
  const head = action.kind === 'set-pooled' ? poolWords(notice, action) : action.operation === 'emergency-stop' ? stopWords(notice) : stepWords(notice, action);
  // An admin's override is said in the announcement itself, so approvers know what they let through.
  const override = notice.request.freezeOverride === undefined ? '' : ` · ⚠ overrides the change window and freezes: ${notice.request.freezeOverride}`;
  return [`${head}${override}`, ...(notice.then ?? []).map((line) => `  ${line}`)].join('\n');
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
  const required = request.approvalsRequired;
  const gate =
    required === 0
      ? id === undefined ? 'no approval needed' : 'queued (no approval needed)'
      : `needs ${required} approval from ${approvers.join(', ')}${id === undefined ? '' : `: !approve ${id} or !deny ${id}`}`;
  const head = `${id === undefined ? DRY_RUN : `${required === 0 ? '▶' : '⏳'} ${id}`}: ${request.requester.display} asks to run ${request.summary}`;
  // What to do comes before the details: on IRC, whatever wraps, the approver reads who asks what and how to answer first.
  const words = [head, gate, shown, ...diffWords(notice)].join(' · ');
  if (notice.health === undefined) return words;
  const health = healthNowWords(notice.health);
  return `${words} · ${id === undefined ? health : fitted(health, ONE_LINE_BYTES - byteLength(`${words} · `), request.service)}`;
}

/**
 * Health cut to its leading figures (k8s share, 5xx, p99, rate) when the whole request would not
 * fit one line: the figures that decide come first, and `status` shows the rest (bare metal's
 * sample, or why there is none). A dry run shows it whole.
 */
function fitted(health: string, budget: number, service: string): string {
  if (byteLength(health) <= budget) return health;
  const parts = health.split(' · ');
  const more = ` · … (!${service} status)`;
  const all = parts.length;
  // The share and 5xx always stay, and an outage (one part, its reason) is said whole: it is never hidden.
  while (parts.length > 2 && byteLength(`${parts.join(' · ')}${more}`) > budget) parts.pop();
  return parts.length === all ? health : `${parts.join(' · ')}${more}`;
}

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
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
 * `conftool wikikube-worker[1001-1050].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=inactive → yes weight=10 (50 keys)`:
 * fifty writes of the same change in one pool read as one, in order, and in the words of the
 * `!log` that will record them, so a wave's request is one IRC line, not three lines and "… 47
 * more". Other lines are kept as they are; the dry run shows every key.
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
    return `${salWords(group) ?? `conftool ${group.directory}/${foldFqdns(group.names)} ${group.change}`} (${group.names.length} keys)`;
  });
}

const POOL_DIRECTORY = /^\/conftool\/v1\/pools\/([^/\s]+)\/[^/\s]+\/([^/\s]+)$/;
const CHANGE = /^(\{.*\}) → (\{.*\})$/;

/** A folded group in the words its `!log` will use (core/sal-pool-lines.ts); undefined when the line is not a pool key's change. */
function salWords(group: { directory: string; change: string; names: readonly string[] }): string | undefined {
  const [, dc, service] = POOL_DIRECTORY.exec(group.directory) ?? [];
  const [, before = '', after = ''] = CHANGE.exec(group.change) ?? [];
  if (dc === undefined || service === undefined) return undefined;
  const from = poolStateSchema.safeParse(parseJson(before));
  const to = poolStateSchema.safeParse(parseJson(after));
  if (!from.success || !to.success) return undefined;
  return poolChangeWords({ fqdns: group.names, lvsService: service, dc, from: from.data.pooled, to: to.data });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** "bob", "bob or carol", "alice, bob or carol". */
function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`;
}
