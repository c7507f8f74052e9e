import type { MessageRef } from '../transport.js';

interface Announcement {
  ref: MessageRef;
  /** What the message says, when this process posted it; needed to redraw it without buttons. */
  text: string | undefined;
  /** Buttons still showing. */
  open: boolean;
}

/**
 * Which Slack message announced which request, in memory. The gateway keeps the durable index in
 * Redis; this one serves what only the transport needs: threading a button's answer under the
 * request (a click names no thread) and removing the buttons once the request is decided.
 */
export class RequestIndex {
  private readonly byRequest = new Map<string, Announcement>();

  constructor(private readonly max = 1000) {}

  announced(requestId: string, ref: MessageRef, text: string): void {
    this.remember(requestId, { ref, text, open: true });
  }

  /** A click shows where the buttons are, even for a request announced before a restart. */
  clicked(requestId: string, ref: MessageRef): void {
    if (!this.byRequest.has(requestId)) this.remember(requestId, { ref, text: undefined, open: false });
  }

  messageOf(requestId: string): MessageRef | undefined {
    return this.byRequest.get(requestId)?.ref;
  }

  /** The announcement whose buttons must go now, once: later calls get undefined. */
  settle(requestId: string): { ref: MessageRef; text: string } | undefined {
    const entry = this.byRequest.get(requestId);
    if (entry === undefined || !entry.open || entry.text === undefined) return undefined;
    entry.open = false;
    return { ref: entry.ref, text: entry.text };
  }

  private remember(requestId: string, entry: Announcement): void {
    this.byRequest.delete(requestId);
    this.byRequest.set(requestId, entry);
    // Oldest first: Map keeps insertion order.
    for (const key of this.byRequest.keys()) {
      if (this.byRequest.size <= this.max) break;
      this.byRequest.delete(key);
    }
  }
}
