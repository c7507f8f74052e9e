/**
 * An outcome rendered for the chats (bot/render-outcome.ts): the one place a refusal gets its
 * `✖`, and the outbound kind comes from the outcome's kind, never from its text.
 */
import { describe, expect, it } from 'vitest';
import { renderOutcome } from '../../bot/render-outcome.js';

describe('renderOutcome', () => {
  it('says an answer as it is, as a reply', () => {
    expect(renderOutcome({ kind: 'ok', text: 'lock: free' })).toEqual({ text: 'lock: free', kind: 'reply' });
  });

  it('keeps a request announcement with the request, so buttons and reactions can find it', () => {
    const request = { id: 'req1', actionHash: '0123456789abcdef', state: 'pending' } as const;
    expect(renderOutcome({ kind: 'request', text: '⏳ req1: alice asks to …', request })).toEqual({ text: '⏳ req1: alice asks to …', kind: 'request', request });
  });

  it('marks a refusal and an internal failure alike with ✖, as errors', () => {
    expect(renderOutcome({ kind: 'refused', code: 'auth.self-approval', text: 'You asked for req1; someone else has to approve it.' })).toEqual({
      text: '✖ You asked for req1; someone else has to approve it.',
      kind: 'error',
    });
    expect(renderOutcome({ kind: 'error', code: 'internal', text: 'Something failed inside cutover.' })).toEqual({ text: '✖ Something failed inside cutover.', kind: 'error' });
  });

  it('learns nothing from the text: an answer that happens to start with ✖ is still a reply', () => {
    // proof-words.ts starts a failing worker's words with ✖: part of an answer, not a refusal.
    expect(renderOutcome({ kind: 'ok', text: '✖ failing: probes 0/2' }).kind).toBe('reply');
  });
});
