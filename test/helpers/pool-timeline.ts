import type { Redis } from 'ioredis';
import type { ConsoleBot } from './console-bot.js';

export interface PoolTransition {
  at: number;
  path: string;
  /** Undefined for the first reading of a key. */
  from: string | undefined;
  to: string;
}

export interface SeenLine {
  at: number;
  line: string;
}

/**
 * Watches the simulated conftool and a console channel every few milliseconds, with the wall
 * clock: what changed when, and when each channel line first showed. Incident replays measure
 * the bot's reaction times from it, and prove that something never happened at any moment
 * (not only in the end state).
 */
export class PoolTimeline {
  readonly transitions: PoolTransition[] = [];
  readonly lines: SeenLine[] = [];
  /** Workers whose proof record (eqiad kartotherian-k8s-ssl) ever said proven, and when first. */
  readonly proven = new Map<string, number>();
  private readonly last = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly chat: Pick<ConsoleBot, 'transcript'>,
    private readonly everyMs = 25,
  ) {}

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => {
      this.polling ??= this.poll()
        .catch((error: unknown) => {
          this.failure ??= error instanceof Error ? error : new Error(String(error));
        })
        .finally(() => {
          this.polling = undefined;
        });
    }, this.everyMs);
  }

  /** Stops polling after one last look; rethrows a failed read rather than report a blind stretch as quiet. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    await this.poll();
    if (this.failure !== undefined) throw this.failure;
  }

  /** The `pooled` field of every key, as last seen. */
  pooled(path: string): string | undefined {
    return this.last.get(path);
  }

  /** When `path` first showed `pooled` equal to `to` (or satisfying it) after `since`. */
  firstAt(path: string, to: (pooled: string) => boolean, since = 0): number | undefined {
    return this.transitions.find((transition) => transition.path === path && transition.at >= since && to(transition.to))?.at;
  }

  /** When a channel line matching `pattern` first showed, after `since`. */
  lineAt(pattern: RegExp, since = 0): number | undefined {
    return this.lines.find((seen) => seen.at >= since && pattern.test(seen.line))?.at;
  }

  private async poll(): Promise<void> {
    const now = Date.now();
    const values = await this.redis.hgetall(`${this.prefix}:sim:conftool`);
    for (const [path, raw] of Object.entries(values)) {
      const pooled = String((JSON.parse(raw) as { pooled?: unknown }).pooled);
      const before = this.last.get(path);
      if (before === pooled) continue;
      this.last.set(path, pooled);
      this.transitions.push({ at: now, path, from: before, to: pooled });
    }
    const proofs = await this.redis.hgetall(`${this.prefix}:proof:kartotherian:eqiad:kartotherian-k8s-ssl`);
    for (const [fqdn, raw] of Object.entries(proofs)) {
      if ((JSON.parse(raw) as { provenAt?: unknown }).provenAt !== undefined && !this.proven.has(fqdn)) this.proven.set(fqdn, now);
    }
    const transcript = this.chat.transcript();
    for (const line of transcript.slice(this.lines.length)) this.lines.push({ at: now, line });
  }
}
