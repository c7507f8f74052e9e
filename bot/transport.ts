import type { Caller } from '../core/access.js';

/** Where a message sits in its chat: an IRC msgid or a Slack ts, with the channel it is in. */
export interface MessageRef {
  transport: string;
  channel: string;
  id: string;
}

/**
 * What a transport hands the gateway. Transports translate only: reactions and buttons become
 * events here, and the gateway decides what they mean.
 */
export type InboundEvent =
  | {
      kind: 'message';
      text: string;
      caller: Caller;
      /** The message itself, when the network names it (IRCv3 msgid, Slack ts). */
      ref?: MessageRef;
      /** A delivery id the network may repeat (Slack retries); the gateway acts on each once. */
      deliveryId?: string;
    }
  | { kind: 'reaction'; caller: Caller; target: MessageRef; emoji: string; removed: boolean; deliveryId?: string }
  | { kind: 'button'; caller: Caller; decision: 'approve' | 'deny'; requestId: string; actionHash: string; deliveryId?: string; ref?: MessageRef };

export type OutboundKind = 'reply' | 'request' | 'progress' | 'result' | 'error';

/**
 * How soon a line must reach people, most urgent first: outboxes send by this, so a burst of
 * answers never holds back a rollback alert or an approval request (see bot/urgency.ts).
 */
export type Urgency = 'safety' | 'approval' | 'result' | 'progress' | 'answer' | 'help';

export interface OutboundMessage {
  channel: string;
  text: string;
  kind: OutboundKind;
  /** Set where the kind alone does not tell (a safety alert, a help text); else follows from kind. */
  urgency?: Urgency;
  /** Thread under / reply to this message where the network supports it. */
  replyTo?: MessageRef;
  /** The request this message is about: lets Slack attach buttons and edit progress in place. */
  request?: { id: string; actionHash: string; state: string };
  /**
   * `asker`: for the person whose message `replyTo` is, alone (IRC NOTICE to them, Slack
   * ephemeral), not the channel; help always is (see forAskerAlone). commands/outcome.ts Audience.
   */
  audience?: 'asker';
}

/** Whether a message is for its asker alone: the one rule every transport renders its own way. */
export function forAskerAlone(message: Pick<OutboundMessage, 'audience' | 'urgency'>): boolean {
  return message.audience === 'asker' || message.urgency === 'help';
}

/**
 * A chat transport only translates: lines and events in, messages out. Identity it vouches for
 * (a services account, a Slack user id) is the only judgement it makes.
 */
export interface ChatTransport {
  readonly name: string;
  start(onEvent: (event: InboundEvent) => Promise<void>): Promise<void>;
  /** Sends (or queues, when offline) a message; returns its ref when the network gives one. */
  send(message: OutboundMessage): Promise<MessageRef | undefined>;
  /**
   * Marks a message with a reaction where the network supports it; a no-op elsewhere. `urgency`
   * is that of the line the mark goes with, so a mark keeps its place among the lines about
   * the same request (a 👀 never after the ✅ line); absent, it waits as progress does.
   */
  react(target: MessageRef, emoji: string, urgency?: Urgency): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when no more input will ever come (the console's stdin ended). */
  readonly finished: Promise<void>;
  /** For /readyz: whether the transport can carry messages now, in its own words. Absent means always. */
  health?(): TransportHealth;
}

export interface TransportHealth {
  ready: boolean;
  /** e.g. `registered`, `connecting` (IRC). */
  state: string;
}
