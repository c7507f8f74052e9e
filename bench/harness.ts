import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { startBot, type Bot } from '../bot/main.js';
import type { ChatTransport, InboundEvent, MessageRef, OutboundMessage } from '../bot/transport.js';
import type { Config, PersonConfig } from '../config/schema.js';
import { loadShippedConfig } from '../test/helpers/config.js';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { waitUntil } from '../test/helpers/wait-until.js';

export const CHANNEL = '#bench';
export const SERVICE = 'kartotherian';
/** Where bench plans are resolved from: startBot reads plan files relative to the config's path. */
export const BENCH_CONFIG_PATH = fileURLToPath(new URL('./bench-config.yaml', import.meta.url));

export interface Sent {
  at: number;
  message: OutboundMessage;
  /** What send() returned: later messages thread under it, reactions target it. */
  ref: MessageRef;
}

export interface Reacted {
  at: number;
  target: MessageRef;
  emoji: string;
}

/**
 * A chat transport that is only a pair of hands: the gateway, dispatcher, Redis and BullMQ
 * behind it are the real ones. Unlike the console, which reads one line at a time, it hands
 * the gateway every message at once, so concurrent operators are really concurrent.
 */
export class BenchTransport implements ChatTransport {
  readonly name = 'bench';
  readonly finished = new Promise<void>(() => undefined);
  readonly sent: Sent[] = [];
  readonly reactions: Reacted[] = [];
  /** The first reply to each message by id: replyTo() looks up, not scans everything sent (100 waiters × every send was the bench's own O(n²)). */
  private readonly replies = new Map<string, Sent>();
  private onEvent: ((event: InboundEvent) => Promise<void>) | undefined;
  private readonly listeners = new Set<() => void>();
  private sequence = 0;

  async start(onEvent: (event: InboundEvent) => Promise<void>): Promise<void> {
    this.onEvent = onEvent;
  }

  /** Says `text` as `person`; the returned ref is what the bot's reply will thread under. */
  say(person: string, text: string): { ref: MessageRef; handled: Promise<void> } {
    const onEvent = this.onEvent;
    if (onEvent === undefined) throw new Error('the bench transport was not started');
    const ref: MessageRef = { transport: this.name, channel: CHANNEL, id: `in-${++this.sequence}` };
    const handled = onEvent({ kind: 'message', text, caller: { person, display: person, transport: this.name, channel: CHANNEL }, ref });
    return { ref, handled };
  }

  async send(message: OutboundMessage): Promise<MessageRef | undefined> {
    const ref: MessageRef = { transport: this.name, channel: message.channel, id: `out-${++this.sequence}` };
    const sent = { at: performance.now(), message, ref };
    this.sent.push(sent);
    if (message.replyTo !== undefined && !this.replies.has(message.replyTo.id)) this.replies.set(message.replyTo.id, sent);
    for (const listener of this.listeners) listener();
    return ref;
  }

  async react(target: MessageRef, emoji: string): Promise<void> {
    this.reactions.push({ at: performance.now(), target, emoji });
  }

  async stop(): Promise<void> {}

  /** The first message sent at or after index `from` that matches. */
  waitFor(match: (message: OutboundMessage) => boolean, { from = 0, timeoutMs = 20_000 }: { from?: number; timeoutMs?: number } = {}): Promise<Sent> {
    return waitUntil(this.listeners, () => this.sent.slice(from).find((sent) => match(sent.message)), timeoutMs, () => {
      return `bench: timed out after ${timeoutMs} ms; last messages:\n${this.sent.slice(-5).map((sent) => sent.message.text).join('\n')}`;
    });
  }

  /** The reply the gateway threaded under `ref`. */
  replyTo(ref: MessageRef, timeoutMs = 20_000): Promise<Sent> {
    return waitUntil(this.listeners, () => this.replies.get(ref.id), timeoutMs, () => `bench: no reply to ${ref.id} after ${timeoutMs} ms; last messages:\n${this.sent.slice(-5).map((sent) => sent.message.text).join('\n')}`);
  }
}

export interface FleetShape {
  /** Bare-metal maps hosts per DC. */
  maps: number;
  /** Wikikube workers per DC. */
  workers: number;
  /** Extra people op001.. with the operator role, for concurrency. */
  operators?: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Host names that keep the shipped naming (maps1005, wikikube-worker1001) and stay valid FQDNs at any count. */
export function hostNames(prefix: string, dc: 'eqiad' | 'codfw', first: number, count: number): string[] {
  const digit = dc === 'eqiad' ? 1 : 2;
  const width = Math.max(3, String(first + count).length);
  return Array.from({ length: count }, (_, index) => `${prefix}${digit}${pad(first + index, width)}.${dc}.wmnet`);
}

/** The shipped config with a generated inventory of the given size; everything else as `npm start` runs it. */
export async function fleetConfig(shape: FleetShape): Promise<Config> {
  const config = structuredClone(await loadShippedConfig());
  const service = config.services[SERVICE];
  if (service === undefined) throw new Error(`the shipped config lost ${SERVICE}`);
  const maps = service.host_groups['maps'];
  const wikikube = service.host_groups['wikikube'];
  if (maps === undefined || wikikube === undefined) throw new Error('the shipped config lost its host groups');
  maps.hosts = { eqiad: hostNames('maps', 'eqiad', 5, shape.maps), codfw: hostNames('maps', 'codfw', 5, shape.maps) };
  wikikube.hosts = { eqiad: hostNames('wikikube-worker', 'eqiad', 1, shape.workers), codfw: hostNames('wikikube-worker', 'codfw', 1, shape.workers) };
  const operators: Record<string, PersonConfig> = {};
  for (let i = 1; i <= (shape.operators ?? 0); i += 1) operators[operatorName(i)] = { roles: { [SERVICE]: ['operator'] } };
  config.people = { ...config.people, ...operators };
  // The bench is a script timing the bot, not a person: it asks hundreds of times a second, which
  // the shipped limits rightly refuse. The limiter still runs (and costs) on every line.
  config.access.command_limits.person = { burst: 1_000_000, every_seconds: 0.001 };
  // The bench drives the bot through its own transport; the console stays off.
  config.transports = {};
  return config;
}

export function operatorName(i: number): string {
  return `op${pad(i, 3)}`;
}

export interface BenchBot {
  bot: Bot;
  chat: BenchTransport;
  prefix: string;
  /** Stops the bot and removes its keys from Redis. */
  stop(): Promise<void>;
}

/** The real bot (startBot: gateway, dispatcher, BullMQ workers) on a unique Redis prefix. */
export async function startBenchBot(label: string, config: Config, options: { configPath?: string; redis: Redis }): Promise<BenchBot> {
  const prefix = uniquePrefix(`bench-${label}`);
  const chat = new BenchTransport();
  const bot = await startBot({
    config,
    env: { redisUrl: TEST_REDIS_URL, logLevel: 'silent' },
    log: pino({ level: 'silent' }),
    role: 'all',
    prefix,
    lockRetryMs: 200,
    configuredChat: false,
    transports: [chat],
    ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
  });
  return {
    bot,
    chat,
    prefix,
    async stop() {
      await bot.stop();
      await cleanupPrefix(options.redis, prefix);
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds; the interval is the measurement's resolution, so keep it small. */
export async function pollUntil(check: () => Promise<boolean>, { timeoutMs = 20_000, intervalMs = 2 }: { timeoutMs?: number; intervalMs?: number } = {}): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return performance.now();
    if (performance.now() > deadline) throw new Error(`bench: condition not met within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
