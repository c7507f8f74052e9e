import type { Caller } from '../core/access.js';

export interface InboundMessage {
  text: string;
  caller: Caller;
}

/**
 * A chat transport only translates: lines in become InboundMessages, text out becomes lines.
 * It decides nothing; identity it vouches for is the only judgement it makes.
 */
export interface ChatTransport {
  readonly name: string;
  start(onMessage: (message: InboundMessage) => Promise<void>): Promise<void>;
  send(channel: string, text: string): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when no more input will ever come (the console's stdin ended). */
  readonly finished: Promise<void>;
}
