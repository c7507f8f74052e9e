/**
 * The change-window arithmetic (core/change-window.ts) and the gate every request passes
 * (core/change-gate.ts): plain UTC, a week that wraps, freezes inside a window, and the edges.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import type { PlanStepAction } from '../../core/actions.js';
import { checkChangeWindow, checkFreezeOverride } from '../../core/change-gate.js';
import { describeClosed, judgeChangeWindow, windowNote, type ChangeWindows } from '../../core/change-window.js';
import { loadShippedConfig } from '../helpers/config.js';
import { callerFor, cutoverErrorFrom } from '../helpers/fakes.js';

const at = (iso: string): number => Date.parse(iso);
// 2026-12-07 is a Monday.
const WORKWEEK: ChangeWindows = { windows: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '13:00', to: '19:00' }], freezes: [] };

function closed(settings: ChangeWindows, iso: string): string {
  const verdict = judgeChangeWindow(settings, at(iso));
  if (verdict.open) throw new Error(`open at ${iso}`);
  return describeClosed(settings, verdict, at(iso));
}

describe('judgeChangeWindow', () => {
  it('is open inside a window, and closed outside it with when the next one opens', () => {
    expect(judgeChangeWindow(WORKWEEK, at('2026-12-08T15:00:00Z'))).toEqual({ open: true });
    expect(closed(WORKWEEK, '2026-12-08T10:00:00Z')).toBe('outside the change window (Mon–Thu 13:00–19:00 UTC); next opens Tue 13:00 UTC, in 3h');
  });

  it('opens at `from` and closes at `to`, to the millisecond', () => {
    expect(judgeChangeWindow(WORKWEEK, at('2026-12-07T13:00:00Z')).open).toBe(true);
    expect(judgeChangeWindow(WORKWEEK, at('2026-12-07T12:59:59.999Z')).open).toBe(false);
    expect(judgeChangeWindow(WORKWEEK, at('2026-12-07T18:59:59.999Z')).open).toBe(true);
    expect(judgeChangeWindow(WORKWEEK, at('2026-12-07T19:00:00Z')).open).toBe(false);
  });

  it('wraps the week: Thursday evening waits for Monday', () => {
    // Thu 2026-12-10 21:00 → Mon 2026-12-14 13:00: 3 days 16 hours.
    expect(closed(WORKWEEK, '2026-12-10T21:00:00Z')).toBe('outside the change window (Mon–Thu 13:00–19:00 UTC); next opens Mon 13:00 UTC, in 3d 16h');
    // Sunday night: the week's first window is Monday's.
    expect(judgeChangeWindow(WORKWEEK, at('2026-12-13T23:30:00Z'))).toEqual({ open: false, why: 'outside', next: at('2026-12-14T13:00:00Z') });
  });

  it('runs a window past midnight into the next day, and across Sunday into Monday', () => {
    const night: ChangeWindows = { windows: [{ days: ['sun'], from: '22:00', to: '02:00' }], freezes: [] };
    expect(judgeChangeWindow(night, at('2026-12-13T23:00:00Z')).open).toBe(true);
    expect(judgeChangeWindow(night, at('2026-12-14T01:59:00Z')).open).toBe(true);
    expect(judgeChangeWindow(night, at('2026-12-14T02:00:00Z'))).toEqual({ open: false, why: 'outside', next: at('2026-12-20T22:00:00Z') });
  });

  it('closes for a freeze inside a window, and opens again at its end when the window still is', () => {
    const settings: ChangeWindows = { ...WORKWEEK, freezes: [{ from: at('2026-12-08T14:00:00Z'), to: at('2026-12-08T15:30:00Z'), reason: 'switchover' }] };
    expect(judgeChangeWindow(settings, at('2026-12-08T13:59:00Z')).open).toBe(true);
    expect(closed(settings, '2026-12-08T14:00:00Z')).toBe('inside the freeze "switchover" (until Tue 15:30 UTC); next opens Tue 15:30 UTC, in 1h 30m');
    expect(judgeChangeWindow(settings, at('2026-12-08T15:30:00Z')).open).toBe(true);
  });

  it('names the first window after a long freeze, with its date', () => {
    const settings: ChangeWindows = { ...WORKWEEK, freezes: [{ from: at('2026-12-18T00:00:00Z'), to: at('2027-01-05T00:00:00Z'), reason: 'end-of-year deployment freeze' }] };
    // 2027-01-05 is a Tuesday; its window opens at 13:00.
    expect(closed(settings, '2026-12-21T14:00:00Z')).toBe(
      'inside the freeze "end-of-year deployment freeze" (until Tue 2027-01-05 00:00 UTC); next opens Tue 2027-01-05 13:00 UTC, in 14d 23h',
    );
  });

  it('without windows, is open but for freezes', () => {
    const settings: ChangeWindows = { windows: [], freezes: [{ from: at('2026-12-08T00:00:00Z'), to: at('2026-12-09T00:00:00Z'), reason: 'DC switchover' }] };
    expect(judgeChangeWindow(settings, at('2026-12-07T03:00:00Z')).open).toBe(true);
    expect(judgeChangeWindow(settings, at('2026-12-08T03:00:00Z'))).toMatchObject({ open: false, why: 'freeze', next: at('2026-12-09T00:00:00Z') });
  });

  it('says the lines status shows, and nothing while open or unconfigured', () => {
    expect(windowNote(undefined, at('2026-12-08T10:00:00Z'))).toBeUndefined();
    expect(windowNote(WORKWEEK, at('2026-12-08T15:00:00Z'))).toBeUndefined();
    expect(windowNote(WORKWEEK, at('2026-12-08T10:00:00Z'))).toBe('outside window, next opens Tue 13:00 UTC, in 3h');
    const frozen: ChangeWindows = { windows: [], freezes: [{ from: at('2026-12-08T00:00:00Z'), to: at('2026-12-08T06:00:00Z'), reason: 'switchover' }] };
    expect(windowNote(frozen, at('2026-12-08T01:00:00Z'))).toBe('frozen until Tue 06:00 UTC (switchover), next opens Tue 06:00 UTC, in 5h');
  });
});

describe('checkChangeWindow', () => {
  const step = (operation: PlanStepAction['operation']): PlanStepAction => ({
    kind: 'plan-step', operation, service: 'kartotherian', plan: 'p', dc: 'eqiad', stepId: 's', position: { dc: 0, step: 0, wave: 0 }, title: 't', preview: [],
  });
  const sunday = at('2026-12-13T10:00:00Z');

  it('refuses a step or a rollback outside the window, at request time and at execution', () => {
    expect(() => checkChangeWindow(WORKWEEK, { action: step('advance') }, sunday, 'request')).toThrow(/^Refused: outside the change window .*next opens Mon 13:00 UTC, in 1d 3h/);
    expect(() => checkChangeWindow(WORKWEEK, { action: step('rollback') }, sunday, 'execution')).toThrow(/^Refused at execution, nothing was written: outside/);
  });

  it('never holds back an emergency stop, nor a request an admin overrode, nor anything without the block', () => {
    expect(() => checkChangeWindow(WORKWEEK, { action: step('emergency-stop') }, sunday, 'request')).not.toThrow();
    expect(() => checkChangeWindow(WORKWEEK, { action: step('advance'), freezeOverride: 'outage fix' }, sunday, 'execution')).not.toThrow();
    expect(() => checkChangeWindow(undefined, { action: step('advance') }, sunday, 'request')).not.toThrow();
  });
});

describe('checkFreezeOverride', () => {
  const people = { root: { roles: { kartotherian: ['admin' as const] } }, alice: { roles: { kartotherian: ['operator' as const, 'approver' as const] } } };

  it("is an admin's alone", () => {
    expect(() => checkFreezeOverride({ people }, 'kartotherian', callerFor('root'), 'outage fix')).not.toThrow();
    expect(cutoverErrorFrom(() => checkFreezeOverride({ people }, 'kartotherian', callerFor('alice'), 'outage fix')).code).toBe('auth.forbidden');
    expect(() => checkFreezeOverride({ people }, 'kartotherian', callerFor('alice'), undefined)).not.toThrow();
  });
});

describe('the change_windows block', () => {
  it('is on in the production example, its freezes read as instants, and off in the console demo', async () => {
    const path = new URL('../../config/production.example.yaml', import.meta.url).pathname;
    const production = parseConfig(await readFile(path, 'utf8'), path);
    expect(production.change_windows?.windows).toEqual([{ days: ['mon', 'tue', 'wed', 'thu'], from: '13:00', to: '19:00' }]);
    expect(production.change_windows?.freezes[0]).toEqual({ from: at('2026-12-18T00:00:00Z'), to: at('2027-01-05T00:00:00Z'), reason: 'end-of-year deployment freeze' });
    expect((await loadShippedConfig()).change_windows).toBeUndefined();
  });

  it('refuses a freeze that ends before it starts', () => {
    const yaml = "change_windows: { freezes: [{ from: '2026-12-20T00:00:00Z', to: '2026-12-19T00:00:00Z', reason: x }] }\n";
    expect(() => parseConfig(yaml, 'backwards.yaml')).toThrow(/a freeze ends after it starts/);
  });
});
