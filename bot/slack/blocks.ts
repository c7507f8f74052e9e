import type { types } from '@slack/bolt';
import * as z from 'zod';
import { plainCut } from './slack-format.js';
import { MAX_SECTION_CHARS } from './slack-text.js';

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

/** Marks the blocks of a request's message, so that its buttons and its notes can be read back from Slack after a restart. */
export const requestBlockId = (requestId: string): string => `cutover-request-${requestId}`;
export const decideBlockId = (requestId: string): string => `cutover-decide-${requestId}`;
export const notesBlockId = (requestId: string): string => `cutover-notes-${requestId}`;

/**
 * A pending request as Block Kit: its text (mrkdwn, formatted already), then Approve and Deny.
 * Each button carries the request id and the hash of the action as shown, so a click approves
 * exactly what the approver saw. `plain` is the same text unformatted, for the confirm dialog.
 */
export function requestBlocks(mrkdwn: string, plainText: string, request: ButtonValue): types.KnownBlock[] {
  const value = JSON.stringify({ requestId: request.requestId, actionHash: request.actionHash });
  return [
    textSection(request.requestId, mrkdwn),
    {
      type: 'actions',
      block_id: decideBlockId(request.requestId),
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve', emoji: true },
          value,
          // A production change deserves a second look; the dialog repeats what will happen.
          confirm: {
            title: { type: 'plain_text', text: plainCut(`Approve ${request.requestId}?`, 100) },
            text: { type: 'plain_text', text: confirmText(plainText, request.actionHash) },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        { type: 'button', action_id: DENY_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Deny', emoji: true }, value },
      ],
    },
  ];
}

/**
 * Slack refuses a confirm text over 300 characters. What the approver must see is the action and
 * its hash; the gate, the expiry and the IRC instructions are on the message itself, so they go
 * first, and what is still too long is cut at a word.
 */
export function confirmText(text: string, actionHash: string): string {
  const essential = text
    .split(' · ')
    .filter((part) => !/^(needs \d+ approval|expires in )/.test(part))
    .join(' · ')
    .replace(/^⏳ /, '');
  return plainCut(essential, 300, ` · action ${actionHash}`);
}

/**
 * The request once decided or over: its text without the buttons, and one line per thing that
 * became of it (approved by, done, failed, rolled back), so the message itself tells the end.
 */
export function settledBlocks(requestId: string, mrkdwn: string, notes: readonly string[]): types.KnownBlock[] {
  return [
    textSection(requestId, mrkdwn),
    { type: 'context', block_id: notesBlockId(requestId), elements: notes.slice(-9).map((note) => ({ type: 'mrkdwn' as const, text: cut(note, MAX_CONTEXT_CHARS), verbatim: true })) },
  ];
}

/** A settled request's text: no longer waiting for anyone, so the gate and the expiry go. */
export function settledText(text: string): string {
  return text
    .split(' · ')
    .filter((part) => !/^(needs \d+ approval|needs <|expires in )/.test(part))
    .join(' · ')
    .replace(/^⏳ /, '');
}

/** What a message's blocks say about its request: which request its section or buttons name, its notes. */
export function readRequestBlocks(blocks: readonly unknown[]): { requestId: string | undefined; buttons: boolean; section: string | undefined; notes: string[] } {
  let requestId: string | undefined;
  let buttons = false;
  let section: string | undefined;
  const notes: string[] = [];
  for (const block of blocks as { type?: string; block_id?: string; text?: { text?: string }; elements?: { text?: string }[] }[]) {
    const id = block.block_id ?? '';
    const named = /^cutover-(request|decide|notes)-([A-Za-z0-9]{3,12})$/.exec(id);
    if (named === null) continue;
    if (requestId !== undefined && requestId !== named[2]) return { requestId: undefined, buttons: false, section: undefined, notes: [] };
    requestId = named[2];
    if (named[1] === 'decide') buttons = true;
    if (named[1] === 'request') section = block.text?.text;
    if (named[1] === 'notes') for (const element of block.elements ?? []) if (typeof element.text === 'string') notes.push(element.text);
  }
  return { requestId, buttons, section, notes };
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

function textSection(requestId: string, mrkdwn: string): types.SectionBlock {
  // verbatim: Slack must not turn host names or #channels in our text into links.
  return { type: 'section', block_id: requestBlockId(requestId), text: { type: 'mrkdwn', text: cut(mrkdwn, MAX_SECTION_CHARS), verbatim: true } };
}

/** A context element holds at most 3,000 characters too, but a note is one line; long ones are cut. */
const MAX_CONTEXT_CHARS = 500;

/** Cuts formatted text that is too long for its block, without leaving half an entity or an open code span. */
function cut(mrkdwn: string, max: number): string {
  const chars = Array.from(mrkdwn);
  if (chars.length <= max) return mrkdwn;
  let kept = chars.slice(0, max - 2).join('').replace(/&[a-z]{0,3}$/, '').replace(/<[^>]*$/, '');
  if ((kept.match(/`/g) ?? []).length % 2 === 1) kept += '`';
  return `${kept}…`;
}
