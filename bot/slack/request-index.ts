import type { MessageRef } from '../transport.js';

export interface Announcement {
  ref: MessageRef;
  /** The section's mrkdwn as posted, when this process knows it; needed to redraw the message. */
  mrkdwn: string | undefined;
  /** What became of the request, oldest first: shown under it once it is decided. */
  notes: string[];
  /** Buttons still showing. */
  open: boolean;
}

/**
 * Which Slack message announced which request, in memory, both ways. The gateway keeps the
 * durable index in Redis; after a restart the transport reads the rest from Slack itself (the
 * message's blocks name their request: blocks.ts). This one serves threading a button's answer
 * under the request, checking that a click names the request of the message it was made on, and
 * redrawing the announcement as the request moves on.
 */
export class RequestIndex {
  private readonly byRequest = new Map<string, Announcement>();
  private readonly byMessage = new Map<string, string>();

  constructor(private readonly max = 1000) {}

  announced(requestId: string, ref: MessageRef, mrkdwn: string): void {
    this.remember(requestId, { ref, mrkdwn, notes: [], open: true });
  }

  /** A message read back from Slack (after a restart): the announcement, as it is now. */
  learned(requestId: string, ref: MessageRef, mrkdwn: string | undefined, notes: string[], open: boolean): Announcement {
    const entry = { ref, mrkdwn, notes, open };
    this.remember(requestId, entry);
    return entry;
  }

  get(requestId: string): Announcement | undefined {
    return this.byRequest.get(requestId);
  }

  messageOf(requestId: string): MessageRef | undefined {
    return this.byRequest.get(requestId)?.ref;
  }

  /** The request announced by the message at `ref`, when this process knows it. */
  requestAt(ref: MessageRef): string | undefined {
    return this.byMessage.get(key(ref));
  }

  private remember(requestId: string, entry: Announcement): void {
    const old = this.byRequest.get(requestId);
    if (old !== undefined) this.byMessage.delete(key(old.ref));
    this.byRequest.delete(requestId);
    this.byRequest.set(requestId, entry);
    this.byMessage.set(key(entry.ref), requestId);
    // Oldest first: Map keeps insertion order.
    for (const [id, oldest] of this.byRequest) {
      if (this.byRequest.size <= this.max) break;
      this.byRequest.delete(id);
      this.byMessage.delete(key(oldest.ref));
    }
  }
}

function key(ref: MessageRef): string {
  return `${ref.channel}/${ref.id}`;
}
