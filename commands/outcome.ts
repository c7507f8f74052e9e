import type { ErrorCode } from '../core/errors.js';

/** The request an outcome announces or decides: lets a transport attach buttons to it and find it again for reactions. */
export interface RequestRef {
  id: string;
  actionHash: string;
  state: 'pending' | 'approved' | 'denied';
}

/**
 * What a command came to, as data. Transports render it (bot/render-outcome.ts), so nothing
 * downstream learns a refusal from the glyph in front of it.
 *
 * - `ok`: an answer; `request`: the announcement of a new or decided request;
 * - `refused`: cutover declined, with the CutoverError code and the reason for the person;
 * - `error`: something failed inside cutover (a bug, Redis gone); the details are in the log.
 *
 * Its own file so that the ports (which return plan data) and the command spec do not import each other.
 */
export type Outcome =
  | { kind: 'ok'; text: string }
  | { kind: 'request'; text: string; request: RequestRef }
  | { kind: 'refused'; code: ErrorCode; text: string }
  | { kind: 'error'; code: 'internal'; text: string };

/** What a command's handler answers when it does not refuse (a refusal is a thrown CutoverError). */
export type Answer = Extract<Outcome, { kind: 'ok' | 'request' }>;
