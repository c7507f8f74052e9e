/** The days a change window names, as the config spells them; index 0 is Sunday, as Date#getUTCDay counts. */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Open on these days from `from` to `to` ('HH:MM', UTC); a `to` at or before `from` ends the next day. */
export interface ChangeWindow {
  days: readonly Weekday[];
  from: string;
  to: string;
}

/** Closed from `from` (inclusive) to `to` (exclusive), epoch ms, whatever the windows say. */
export interface Freeze {
  from: number;
  to: number;
  reason: string;
}

/** No windows means every hour is a window; freezes still close it. */
export interface ChangeWindows {
  windows: readonly ChangeWindow[];
  freezes: readonly Freeze[];
}

export type WindowVerdict =
  | { open: true }
  /** `next`: when changes may be made again; undefined when no window is ever open. */
  | { open: false; why: 'freeze'; freeze: Freeze; next: number | undefined }
  | { open: false; why: 'outside'; next: number | undefined };

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Far enough to find the next opening of any weekly window once the last freeze has ended. */
const WEEK_AND_A_DAY = 8 * DAY;

/**
 * Whether a change may be made at `now`, and if not why and when it may. Pure UTC arithmetic
 * (no DST), so request time and execution judge alike with the clock they are given.
 */
export function judgeChangeWindow(settings: ChangeWindows, now: number): WindowVerdict {
  const freeze = freezeAt(settings, now);
  if (freeze === undefined && inWindow(settings, now)) return { open: true };
  const next = nextOpening(settings, now);
  return freeze === undefined ? { open: false, why: 'outside', next } : { open: false, why: 'freeze', freeze, next };
}

/**
 * The verdict in one clause for a refusal or a status line: `outside the change window (Mon–Thu
 * 13:00–19:00 UTC); next opens Mon 13:00 UTC, in 2d 3h`.
 */
export function describeClosed(settings: ChangeWindows, verdict: Extract<WindowVerdict, { open: false }>, now: number): string {
  const what = verdict.why === 'freeze' ? `inside the freeze "${verdict.freeze.reason}" (until ${formatMoment(verdict.freeze.to, now)})` : `outside the change window (${describeWindows(settings.windows)})`;
  return `${what}; ${describeNext(verdict.next, now)}`;
}

/** For `status`'s lock line: `frozen until …` or `outside window, next opens …`; undefined while open. */
export function windowNote(settings: ChangeWindows | undefined, now: number): string | undefined {
  if (settings === undefined) return undefined;
  const verdict = judgeChangeWindow(settings, now);
  if (verdict.open) return undefined;
  return verdict.why === 'freeze'
    ? `frozen until ${formatMoment(verdict.freeze.to, now)} (${verdict.freeze.reason}), ${describeNext(verdict.next, now)}`
    : `outside window, ${describeNext(verdict.next, now)}`;
}

/** `next opens Mon 13:00 UTC, in 2d 3h`, or that none ever does. */
export function describeNext(next: number | undefined, now: number): string {
  return next === undefined ? 'no window opens again' : `next opens ${formatMoment(next, now)}, in ${formatWait(next - now)}`;
}

function freezeAt(settings: ChangeWindows, at: number): Freeze | undefined {
  return settings.freezes.find((freeze) => freeze.from <= at && at < freeze.to);
}

function inWindow(settings: ChangeWindows, at: number): boolean {
  if (settings.windows.length === 0) return true;
  const dayStart = at - (at % DAY);
  // A window that runs past midnight opened the day before.
  return [dayStart, dayStart - DAY].some((day) => opensOn(settings, day).some(([from, to]) => from <= at && at < to));
}

/** The [from, to) spans of the windows that open on the UTC day starting at `dayStart`. */
function opensOn(settings: ChangeWindows, dayStart: number): Array<[number, number]> {
  const weekday = WEEKDAYS[new Date(dayStart).getUTCDay()];
  return settings.windows
    .filter((window) => weekday !== undefined && window.days.includes(weekday))
    .map((window) => {
      const from = dayStart + minutesOf(window.from) * MINUTE;
      const to = dayStart + minutesOf(window.to) * MINUTE;
      return [from, to > from ? to : to + DAY];
    });
}

/** The first moment from `now` on that is in a window and in no freeze: a window's start or a freeze's end. */
function nextOpening(settings: ChangeWindows, now: number): number | undefined {
  const horizon = Math.max(now, ...settings.freezes.map((freeze) => freeze.to)) + WEEK_AND_A_DAY;
  const candidates = settings.freezes.map((freeze) => freeze.to);
  const today = now - (now % DAY);
  for (let day = today; day <= horizon; day += DAY) candidates.push(...opensOn(settings, day).map(([from]) => from));
  if (settings.windows.length === 0) candidates.push(now);
  return candidates
    .filter((at) => at >= now)
    .sort((a, b) => a - b)
    .find((at) => freezeAt(settings, at) === undefined && inWindow(settings, at));
}

function minutesOf(clock: string): number {
  const [hours = 0, minutes = 0] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** `Mon–Thu 13:00–19:00 UTC`, a run of days as a range; several windows joined by commas. */
export function describeWindows(windows: readonly ChangeWindow[]): string {
  if (windows.length === 0) return 'always';
  return windows.map((window) => `${describeDays(window.days)} ${window.from}–${window.to} UTC`).join(', ');
}

function describeDays(days: readonly Weekday[]): string {
  // Monday first, as a working week reads.
  const order = [1, 2, 3, 4, 5, 6, 0].filter((index) => days.includes(WEEKDAYS[index] ?? 'sun'));
  const runs: number[][] = [];
  for (const index of order) {
    const last = runs.at(-1);
    if (last !== undefined && (last.at(-1) ?? -1) % 7 === (index + 6) % 7) last.push(index);
    else runs.push([index]);
  }
  return runs.map((run) => (run.length < 3 ? run.map((index) => DAY_NAMES[index]).join(', ') : `${DAY_NAMES[run[0] ?? 0]}–${DAY_NAMES[run.at(-1) ?? 0]}`)).join(', ');
}

/** `Mon 13:00 UTC` within the coming week, else with its date: `Mon 2027-01-04 13:00 UTC`. */
function formatMoment(at: number, now: number): string {
  const iso = new Date(at).toISOString();
  const day = DAY_NAMES[new Date(at).getUTCDay()] ?? '';
  return at - now < 6 * DAY ? `${day} ${iso.slice(11, 16)} UTC` : `${day} ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `2d 3h`, `3h 5m`, `5m`: a wait in the two largest units that matter. */
function formatWait(ms: number): string {
  const minutes = Math.ceil(ms / MINUTE);
  const days = Math.floor(minutes / (24 * 60));
  const hours = Math.floor((minutes % (24 * 60)) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return rest > 0 ? `${hours}h ${rest}m` : `${hours}h`;
  return `${rest}m`;
}
