import type { types } from '@slack/bolt';
import * as z from 'zod';
import { MAX_SECTION_CHARS, slackEscape } from './slack-text.js';

export const APPROVE_ACTION = 'cutover_approve';
export const DENY_ACTION = 'cutover_deny';
/** Both buttons, for one Bolt action listener. */
export const DECISION_ACTION = /^cutover_(approve|deny)$/;

export interface ButtonValue {
  requestId: string;
  actionHash: string;
}

// Slack signs the payload, but the value ends up inside a command line: only ids and hashes pass.
const buttonValueSchema = z.strictObject({
  requestId: z.string().regex(/^[A-Za-z0-9]{3,12}$/),
  actionHash: z.string().regex(/^[0-9a-f]{16}$/),
});

/**
 * A pending request as Block Kit: its text, then Approve and Deny. Each button carries the request
 * id and the hash of the action as shown, so a click approves exactly what the approver saw.
 */
export function requestBlocks(text: string, request: ButtonValue): types.KnownBlock[] {
  const value = JSON.stringify({ requestId: request.requestId, actionHash: request.actionHash });
  return [
    textSection(text),
    {
      type: 'actions',
      block_id: `cutover-decide-${request.requestId}`,
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve', emoji: true },
          value,
          // A production change deserves a second look; the dialog repeats what will happen.
          confirm: {
            title: { type: 'plain_text', text: plain(`Approve ${request.requestId}?`, 100) },
            text: { type: 'plain_text', text: plain(text, 300) },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        { type: 'button', action_id: DENY_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Deny', emoji: true }, value },
      ],
    },
  ];
}

/** The request once decided: the same text, the buttons gone, and a line saying what became of it. */
export function settledBlocks(text: string, note: string): types.KnownBlock[] {
  return [textSection(text), { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(note, MAX_SECTION_CHARS), verbatim: true }] }];
}

export function decodeButtonValue(raw: string | undefined): ButtonValue | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const result = buttonValueSchema.safeParse(parsed);
  return result.success ? result.data : undefined;
}

function textSection(text: string): types.SectionBlock {
  // verbatim: Slack must not turn host names or #channels in our text into links.
  return { type: 'section', text: { type: 'mrkdwn', text: slackEscape(text, MAX_SECTION_CHARS), verbatim: true } };
}

/** plain_text is shown as typed (no escaping), but has per-field limits. */
function plain(text: string, max: number): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}
