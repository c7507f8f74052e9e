import type { Audience, Outcome, RequestRef } from '../commands/outcome.js';
import type { OutboundKind } from './transport.js';

/**
 * An outcome as a message for any transport: the one place a refusal gets its `✖`, so the
 * console, IRC and Slack read the same and nothing downstream has to read a glyph back.
 */
export function renderOutcome(outcome: Outcome): { text: string; kind: OutboundKind; request?: RequestRef; audience?: Audience } {
  switch (outcome.kind) {
    case 'ok':
      return { text: outcome.text, kind: 'reply', ...(outcome.audience === undefined ? {} : { audience: outcome.audience }) };
    case 'request':
      return { text: outcome.text, kind: 'request', request: outcome.request };
    case 'refused':
    case 'error':
      return { text: `✖ ${outcome.text}`, kind: 'error' };
    default:
      return outcome satisfies never;
  }
}
