import type { OutboundMessage, Urgency } from './transport.js';

/** Lower sends first. */
export const URGENCY_ORDER: readonly Urgency[] = ['safety', 'approval', 'result', 'progress', 'answer', 'help'];

const BY_KIND: Record<OutboundMessage['kind'], Urgency> = {
  request: 'approval',
  result: 'result',
  error: 'result',
  progress: 'progress',
  reply: 'answer',
};

/** A message's urgency: its own when set, else what its kind implies. */
export function urgencyOf(message: Pick<OutboundMessage, 'kind' | 'urgency'>): Urgency {
  return message.urgency ?? BY_KIND[message.kind];
}

/** 0 for safety alerts, growing as a line can wait. */
export function urgencyRank(urgency: Urgency): number {
  return URGENCY_ORDER.indexOf(urgency);
}
