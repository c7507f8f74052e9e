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
  | { kind: 'ok'; text: string; audience?: Audience }
  | { kind: 'request'; text: string; request: RequestRef }
  | { kind: 'refused'; code: ErrorCode; text: string }
  | { kind: 'error'; code: 'internal'; text: string };

/**
 * Who an answer is for. Absent: wherever it was asked. `asker`: the person who asked alone, where
 * the chat can say it privately (IRC NOTICE, Slack ephemeral); in a private conversation it is
 * said there anyway. Detail the channel did not need (issue 14: a channel's `status` is 4 lines).
 */
export type Audience = 'asker';

/** The most lines an answer takes in a channel; a longer detail goes to the asker alone. */
export const CHANNEL_LINES = 4;

/** A detail for the channel when it fits in CHANNEL_LINES, else for the asker alone. */
export function detailAnswer(text: string): Answer {
  return text.split('\n').length > CHANNEL_LINES ? { kind: 'ok', text, audience: 'asker' } : { kind: 'ok', text };
}

/** What a command's handler answers when it does not refuse (a refusal is a thrown CutoverError). */
export type Answer = Extract<Outcome, { kind: 'ok' | 'request' }>;
