import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from './wait-until.js';

/** One Web API request as the fake saw it. */
export interface SlackCall {
  method: string;
  /** Form or JSON fields; JSON-encoded form fields (blocks) are decoded. */
  params: Record<string, unknown>;
  /** Bearer token from the Authorization header, or the `token` field. */
  token: string | undefined;
  /** 200, or 429 when the fake answered rate limited. */
  status: number;
  /** What the fake answered, e.g. the ts of a posted message. */
  response: Record<string, unknown>;
  at: number;
}

/** The text a call posted or set, as a person reads it (code-span backticks dropped), or '' when it had none. */
export function textOf(call: SlackCall): string {
  const text = call.params['text'];
  return typeof text === 'string' ? text.replaceAll('`', '') : '';
}

/** The text a call posted or set, exactly as sent (mrkdwn). */
export function rawTextOf(call: SlackCall): string {
  const text = call.params['text'];
  return typeof text === 'string' ? text : '';
}

export const FAKE_BOT_USER = 'UCUTOVER01';
export const FAKE_BOT_ID = 'BCUTOVER01';

/**
 * A local stand-in for https://slack.com/api/: the real WebClient talks to it over HTTP and it
 * records every call, so tests assert on exactly what the bot asked Slack to do.
 */
export class FakeSlackApi {
  readonly calls: SlackCall[] = [];
  /** What apps.connections.open hands out: the fake socket-mode server. */
  socketUrl: string | undefined;
  private readonly rateLimits: { method: string; remaining: number; retryAfter: number }[] = [];
  private readonly failures: { method: string; error: string }[] = [];
  private readonly reactions = new Set<string>();
  /** What chat.postMessage posted and chat.update changed, by `channel/ts`: conversations.history reads it back. */
  readonly messages = new Map<string, { ts: string; text: unknown; blocks: unknown; bot_id: string }>();
  private readonly listeners = new Set<() => void>();
  private sequence = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeSlackApi> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeSlackApi(server, `http://127.0.0.1:${port}/api/`);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void fake.handle(request, response));
    return fake;
  }

  /** The next `count` calls of `method` ('*' for any) get a 429 with Retry-After. */
  rateLimitNext(method: string, count: number, retryAfterSeconds: number): void {
    this.rateLimits.push({ method, remaining: count, retryAfter: retryAfterSeconds });
  }

  /** The next call of `method` answers `{ok: false, error}`. */
  failNext(method: string, error: string): void {
    this.failures.push({ method, error });
  }

  /** Calls Slack answered with 200 (429s excluded), optionally of one method. */
  answered(method?: string): SlackCall[] {
    return this.calls.filter((call) => call.status === 200 && (method === undefined || call.method === method));
  }

  /** Resolves with the first answered call of `method` matching `test`, at or after index `from` in calls. */
  waitFor(method: string, test: (call: SlackCall) => boolean = () => true, { timeoutMs = 10_000, from = 0 } = {}): Promise<SlackCall> {
    return waitUntil(this.listeners, () => this.calls.slice(from).find((call) => call.status === 200 && call.method === method && test(call)), timeoutMs, () => {
      const seen = this.calls.map((call) => `${call.method} ${call.status} ${JSON.stringify(call.params).slice(0, 200)}`).join('\n');
      return `Timed out waiting for ${method}; the fake saw:\n${seen}`;
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const params = parseParams(raw, request.headers['content-type']);
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof params['token'] === 'string' ? params['token'] : undefined);
    const limit = this.rateLimits.find((entry) => entry.remaining > 0 && (entry.method === '*' || entry.method === method));
    if (limit !== undefined) limit.remaining -= 1;
    const answer = limit === undefined ? this.answer(method, params) : { ok: false, error: 'ratelimited' };
    this.calls.push({ method, params, token, status: limit === undefined ? 200 : 429, response: answer, at: Date.now() });
    response.writeHead(limit === undefined ? 200 : 429, {
      'content-type': 'application/json',
      ...(limit === undefined ? {} : { 'retry-after': String(limit.retryAfter) }),
    });
    response.end(JSON.stringify(answer));
    for (const listener of this.listeners) listener();
  }

  private answer(method: string, params: Record<string, unknown>): Record<string, unknown> {
    const failure = this.failures.findIndex((entry) => entry.method === method);
    if (failure >= 0) return { ok: false, error: this.failures.splice(failure, 1)[0]?.error };
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://cutover-test.slack.com/', team: 'test', user: 'cutover', team_id: 'T0TEST0001', user_id: FAKE_BOT_USER, bot_id: FAKE_BOT_ID };
      case 'chat.postMessage': {
        this.sequence += 1;
        const ts = `1700000000.${String(this.sequence).padStart(6, '0')}`;
        this.messages.set(`${String(params['channel'])}/${ts}`, { ts, text: params['text'], blocks: params['blocks'] ?? [], bot_id: FAKE_BOT_ID });
        return { ok: true, channel: params['channel'], ts, message: { type: 'message', text: params['text'], user: FAKE_BOT_USER, bot_id: FAKE_BOT_ID, ts } };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1700000000.9${String(this.sequence).padStart(5, '0')}` };
      case 'chat.update': {
        const key = `${String(params['channel'])}/${String(params['ts'])}`;
        const stored = this.messages.get(key);
        if (stored !== undefined) this.messages.set(key, { ...stored, text: params['text'], blocks: params['blocks'] ?? stored.blocks });
        return { ok: true, channel: params['channel'], ts: params['ts'], text: params['text'] };
      }
      case 'conversations.history': {
        const stored = this.messages.get(`${String(params['channel'])}/${String(params['latest'])}`);
        return { ok: true, messages: stored === undefined ? [] : [{ type: 'message', user: FAKE_BOT_USER, ...stored }], has_more: false };
      }
      case 'reactions.add': {
        const key = `${String(params['channel'])}/${String(params['timestamp'])}/${String(params['name'])}`;
        if (this.reactions.has(key)) return { ok: false, error: 'already_reacted' };
        this.reactions.add(key);
        return { ok: true };
      }
      case 'apps.connections.open':
        return this.socketUrl === undefined ? { ok: false, error: 'socket_mode_not_configured' } : { ok: true, url: this.socketUrl };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function parseParams(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.startsWith('application/json') === true) return JSON.parse(raw) as Record<string, unknown>;
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    // The WebClient JSON-encodes arrays and objects (blocks) inside the form.
    params[key] = ['blocks', 'attachments', 'metadata'].includes(key) ? JSON.parse(value) : value;
  }
  return params;
}
