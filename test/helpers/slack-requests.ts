import { createHmac, randomBytes } from 'node:crypto';

/**
 * What Slack sends, built by hand: Events API bodies, block_actions and slash-command forms, and
 * the v0 signature over them. The same bodies go over HTTP (signed) or inside socket-mode envelopes.
 */
export const SIGNING_SECRET = 'test-signing-secret-8f2d5c1a9e7b';
export const TEAM_ID = 'T0TEST0001';
export const OPS_CHANNEL = 'C0OPS00001';

let clock = 1_700_000_100;
/** Slack message timestamps: unique, increasing, shaped like the real ones. */
export function nextTs(): string {
  clock += 1;
  return `${clock}.000200`;
}

export function eventId(): string {
  return `Ev${randomBytes(5).toString('hex').toUpperCase()}`;
}

export function messageEvent(options: { user: string; text: string; channel?: string; channelType?: string; ts?: string; threadTs?: string; eventId?: string; subtype?: string; botId?: string }): Record<string, unknown> {
  const ts = options.ts ?? nextTs();
  return envelope(options.eventId, {
    type: 'message',
    channel: options.channel ?? OPS_CHANNEL,
    channel_type: options.channelType ?? 'channel',
    user: options.user,
    text: options.text,
    ts,
    event_ts: ts,
    ...(options.threadTs === undefined ? {} : { thread_ts: options.threadTs }),
    ...(options.subtype === undefined ? {} : { subtype: options.subtype }),
    ...(options.botId === undefined ? {} : { bot_id: options.botId }),
  });
}

export function reactionEvent(options: { user: string; reaction: string; itemTs: string; channel?: string; removed?: boolean; eventId?: string }): Record<string, unknown> {
  return envelope(options.eventId, {
    type: options.removed === true ? 'reaction_removed' : 'reaction_added',
    user: options.user,
    reaction: options.reaction,
    item_user: 'UCUTOVER01',
    item: { type: 'message', channel: options.channel ?? OPS_CHANNEL, ts: options.itemTs },
    event_ts: nextTs(),
  });
}

/** A click on one of the request's buttons: the payload Slack posts as the `payload` form field. */
export function blockActions(options: { user: string; decision: 'approve' | 'deny'; messageTs: string; value: string; channel?: string; triggerId?: string }): Record<string, unknown> {
  const channel = options.channel ?? OPS_CHANNEL;
  return {
    type: 'block_actions',
    user: { id: options.user, username: options.user.toLowerCase(), name: options.user.toLowerCase(), team_id: TEAM_ID },
    api_app_id: 'A0TEST0001',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: options.messageTs, channel_id: channel, is_ephemeral: false },
    trigger_id: options.triggerId ?? `${Date.now()}.${randomBytes(4).toString('hex')}`,
    team: { id: TEAM_ID, domain: 'test' },
    channel: { id: channel, name: 'ops' },
    message: { type: 'message', ts: options.messageTs, user: 'UCUTOVER01', bot_id: 'BCUTOVER01', text: 'request', blocks: [{ type: 'actions', block_id: `cutover-decide-${requestIdOf(options.value)}` }] },
    response_url: 'http://127.0.0.1:9/unused',
    actions: [
      {
        action_id: options.decision === 'approve' ? 'cutover_approve' : 'cutover_deny',
        block_id: `cutover-decide-${requestIdOf(options.value)}`,
        text: { type: 'plain_text', text: options.decision === 'approve' ? 'Approve' : 'Deny' },
        value: options.value,
        style: options.decision === 'approve' ? 'primary' : 'danger',
        type: 'button',
        action_ts: `${Math.floor(Date.now() / 1000)}.123456`,
      },
    ],
  };
}

/** The request a button value names, as Slack would show it in the block the button sits in. */
function requestIdOf(value: string): string {
  try {
    const id = (JSON.parse(value) as { requestId?: unknown }).requestId;
    return typeof id === 'string' ? id : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function slashCommand(options: { user: string; text: string; channel?: string; command?: string }): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: TEAM_ID,
    team_domain: 'test',
    channel_id: options.channel ?? OPS_CHANNEL,
    channel_name: 'ops',
    user_id: options.user,
    user_name: options.user.toLowerCase(),
    command: options.command ?? '/kartotherian',
    text: options.text,
    api_app_id: 'A0TEST0001',
    response_url: 'http://127.0.0.1:9/unused',
    trigger_id: `${Date.now()}.${randomBytes(4).toString('hex')}`,
  };
}

export function signature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedPost {
  /** JSON for Events API bodies, a form for interactivity and slash commands. */
  json?: Record<string, unknown>;
  form?: Record<string, string>;
  secret?: string;
  /** Seconds since the epoch; now unless a test wants a stale one. */
  timestamp?: number;
  /** Replaces the computed signature (a forgery). */
  signature?: string;
  /** Slack's redelivery headers. */
  retryNum?: number;
}

/** POSTs to the receiver the way Slack does: the body byte-exact, then signed. */
export async function postSigned(url: string, request: SignedPost): Promise<{ status: number; body: string; ms: number }> {
  const body = request.json !== undefined ? JSON.stringify(request.json) : new URLSearchParams(request.form).toString();
  const timestamp = request.timestamp ?? Math.floor(Date.now() / 1000);
  const started = Date.now();
  const response = await fetch(url, {
    method: 'POST',
    // Exactly these content types: Bolt compares the header as a whole, and a string body keeps fetch from adding a charset.
    headers: {
      'content-type': request.json !== undefined ? 'application/json' : 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': request.signature ?? signature(request.secret ?? SIGNING_SECRET, timestamp, body),
      ...(request.retryNum === undefined ? {} : { 'x-slack-retry-num': String(request.retryNum), 'x-slack-retry-reason': 'http_timeout' }),
    },
    body,
  });
  return { status: response.status, body: await response.text(), ms: Date.now() - started };
}

/** The `payload=` form field of an interactivity request. */
export function interactivityForm(payload: Record<string, unknown>): Record<string, string> {
  return { payload: JSON.stringify(payload) };
}

function envelope(id: string | undefined, event: Record<string, unknown>): Record<string, unknown> {
  return {
    token: 'legacy-verification-token',
    team_id: TEAM_ID,
    api_app_id: 'A0TEST0001',
    event,
    type: 'event_callback',
    event_id: id ?? eventId(),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM_ID, user_id: 'UCUTOVER01', is_bot: true, is_enterprise_install: false }],
  };
}
