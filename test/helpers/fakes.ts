/**
 * Hand-written in-memory fakes of the ports in commands/ports.ts. They are injected exactly
 * where bot/main.ts injects the Redis/BullMQ implementations, and record what was asked of
 * them so tests can assert on side effects (or on their absence).
 */
import type { PoolEntry, PoolingBackend } from '../../core/ports/pooling.js';
import { seedEntries } from '../../adapters/simulated/seed-entries.js';
import type { SeedEntry } from '../../adapters/simulated/simulated-pooling.js';
import type { ActionQueue, AuditEntry, AuditLog, Clock, LockInfo, LockView, RequestStore } from '../../core/ports/stores.js';
import type { CommandDeps } from '../../commands/ports.js';
import type { Config } from '../../config/schema.js';
import type { Caller } from '../../core/access.js';
import { CutoverError } from '../../core/errors.js';
import type { Inventory, PoolRef } from '../../core/inventory.js';
import { poolStateSchema, type PoolState } from '../../core/pool-state.js';
import { changeRequestSchema, isTerminal, type ChangeRequest } from '../../core/requests.js';
import type { WatchStatus } from '../../core/watch.js';
import { RequestFiler } from '../../jobs/request-filer.js';
import { GuardWatchView } from '../../jobs/watch/watch-view.js';
import { analysisSettingsSchema } from '../../core/plan/analysis.js';
import { shippedInventories } from './config.js';
import { makeSafety, TEST_PROOF_SETTINGS } from './fake-safety.js';

/** 2025-01-15 12:00:00 UTC: a fixed, readable instant. */
export const DEFAULT_NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

/**
 * Requests in a Map. Like RedisRequestStore it validates every write with changeRequestSchema,
 * hands out copies (so a caller cannot mutate stored state) and keeps terminal requests out of open().
 */
export class FakeRequestStore implements RequestStore {
  private readonly byId = new Map<string, ChangeRequest>();
  private sequence = 0;
  /** Every request create() stored, in order. */
  readonly created: ChangeRequest[] = [];
  /** Ids passed to update(), in order. */
  readonly updates: string[] = [];

  async create(draft: Omit<ChangeRequest, 'id'>): Promise<ChangeRequest> {
    this.sequence += 1;
    const request = changeRequestSchema.parse({ ...draft, id: `req${this.sequence}` });
    this.byId.set(request.id, request);
    this.created.push(structuredClone(request));
    return structuredClone(request);
  }

  async get(id: string): Promise<ChangeRequest | undefined> {
    const request = this.byId.get(id);
    return request === undefined ? undefined : structuredClone(request);
  }

  async update(id: string, change: (current: ChangeRequest) => ChangeRequest): Promise<ChangeRequest> {
    this.updates.push(id);
    const current = this.byId.get(id);
    if (current === undefined) throw new CutoverError('request.not-found', `There is no request ${id}.`);
    const next = changeRequestSchema.parse(change(structuredClone(current)));
    this.byId.set(id, next);
    return structuredClone(next);
  }

  async recent(service: string, limit: number): Promise<ChangeRequest[]> {
    return this.all()
      .filter((request) => request.service === service)
      .reverse()
      .slice(0, limit);
  }

  async open(service: string): Promise<ChangeRequest[]> {
    return this.all().filter((request) => request.service === service && !isTerminal(request.state));
  }

  /** Test setup: stores a request as is, without going through create(). */
  put(request: ChangeRequest): void {
    this.byId.set(request.id, changeRequestSchema.parse(request));
  }

  /** Every stored request, oldest first. */
  all(): ChangeRequest[] {
    return [...this.byId.values()].sort((a, b) => a.createdAt - b.createdAt).map((request) => structuredClone(request));
  }
}

export type QueueCall = { method: 'enqueue' | 'scheduleExpiry'; request: ChangeRequest };

export class RecordingQueue implements ActionQueue {
  readonly calls: QueueCall[] = [];

  async enqueue(request: ChangeRequest): Promise<void> {
    this.calls.push({ method: 'enqueue', request: structuredClone(request) });
  }

  async scheduleExpiry(request: ChangeRequest): Promise<void> {
    this.calls.push({ method: 'scheduleExpiry', request: structuredClone(request) });
  }

  get enqueued(): ChangeRequest[] {
    return this.calls.filter((call) => call.method === 'enqueue').map((call) => call.request);
  }

  get expiries(): ChangeRequest[] {
    return this.calls.filter((call) => call.method === 'scheduleExpiry').map((call) => call.request);
  }
}

export type PoolingCall =
  | { method: 'listPool'; pool: PoolRef; readBack?: string }
  | { method: 'get'; path: string }
  | { method: 'compareAndSet'; path: string; next: PoolState; expectedRevision: string | null; keep?: Readonly<Record<string, unknown>> };

type StoredEntry = { state: PoolState; revision: string; extra?: Readonly<Record<string, unknown>> };

/**
 * conftool in a Map, with the simulator's revision semantics: compareAndSet writes only when
 * the revision still matches (null: only when the key does not exist) and bumps a global index.
 * Fields cutover does not own (`extra`, e.g. confctl's `"reason": "T1"`) are stored and handed
 * back on reads; a write stores the `keep` it was given, as confctl's merge-then-write does.
 */
export class FakePooling implements PoolingBackend {
  readonly kind = 'fake';
  readonly calls: PoolingCall[] = [];
  private readonly entries = new Map<string, StoredEntry>();
  private index = 0;

  constructor(seed: readonly SeedEntry[] = []) {
    for (const entry of seed) this.put(entry.path, entry.state);
  }

  async listPool(pool: PoolRef, readBack?: string): Promise<PoolEntry[]> {
    this.calls.push({ method: 'listPool', pool: { ...pool }, ...(readBack === undefined ? {} : { readBack }) });
    const directory = `/conftool/v1/pools/${pool.dc}/${pool.cluster}/${pool.conftoolService}/`;
    return [...this.entries.entries()]
      .filter(([path]) => path.startsWith(directory) && !path.slice(directory.length).includes('/'))
      .map(([path, entry]) => toEntry(path, entry))
      .sort((a, b) => a.fqdn.localeCompare(b.fqdn));
  }

  async get(path: string): Promise<PoolEntry | undefined> {
    this.calls.push({ method: 'get', path });
    const entry = this.entries.get(path);
    return entry === undefined ? undefined : toEntry(path, entry);
  }

  async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
    this.calls.push({ method: 'compareAndSet', path, next: { ...next }, expectedRevision, ...(keep === undefined ? {} : { keep: structuredClone(keep) }) });
    const current = this.entries.get(path);
    if ((expectedRevision === null && current !== undefined) || (expectedRevision !== null && current?.revision !== expectedRevision)) {
      throw new CutoverError('pooling.conflict', `Someone else changed ${path}; nothing was written.`);
    }
    return toEntry(path, this.write(path, next, keep));
  }

  /** Test setup and "someone else wrote": changes a key without recording a call. */
  put(path: string, state: PoolState, extra?: Readonly<Record<string, unknown>>): void {
    this.write(path, state, extra);
  }

  /** The fields cutover does not own stored at a path, without recording a call. */
  peekExtra(path: string): Readonly<Record<string, unknown>> | undefined {
    const extra = this.entries.get(path)?.extra;
    return extra === undefined ? undefined : structuredClone(extra);
  }

  /** The current state at a path, without recording a call. */
  peek(path: string): PoolState | undefined {
    const entry = this.entries.get(path);
    return entry === undefined ? undefined : { ...entry.state };
  }

  get writes(): Extract<PoolingCall, { method: 'compareAndSet' }>[] {
    return this.calls.filter((call): call is Extract<PoolingCall, { method: 'compareAndSet' }> => call.method === 'compareAndSet');
  }

  private write(path: string, state: PoolState, extra?: Readonly<Record<string, unknown>>): StoredEntry {
    this.index += 1;
    // Through the schema, so key order and validation match what the real backend returns.
    const entry: StoredEntry = { state: poolStateSchema.parse(state), revision: String(this.index), ...(extra === undefined || Object.keys(extra).length === 0 ? {} : { extra: structuredClone(extra) }) };
    this.entries.set(path, entry);
    return entry;
  }
}

function toEntry(path: string, entry: StoredEntry): PoolEntry {
  return { path, fqdn: path.slice(path.lastIndexOf('/') + 1), state: { ...entry.state }, revision: entry.revision, ...(entry.extra === undefined ? {} : { extra: structuredClone(entry.extra) }) };
}

export class FakeLocks implements LockView {
  readonly held = new Map<string, LockInfo>();

  async current(service: string): Promise<LockInfo | undefined> {
    return this.held.get(service);
  }
}

export class MemoryAudit implements AuditLog {
  readonly entries: AuditEntry[] = [];

  async append(entry: AuditEntry): Promise<void> {
    this.entries.push({ ...entry });
  }

  events(): string[] {
    return this.entries.map((entry) => entry.event);
  }
}

export class FixedClock implements Clock {
  constructor(private current: number = DEFAULT_NOW) {}

  now(): number {
    return this.current;
  }

  set(epochMs: number): void {
    this.current = epochMs;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

export interface Fakes {
  deps: CommandDeps;
  safety: ReturnType<typeof makeSafety>;
  requests: FakeRequestStore;
  queue: RecordingQueue;
  pooling: FakePooling;
  locks: FakeLocks;
  audit: MemoryAudit;
  clock: FixedClock;
  /** What the watch view lists (the guard, a soak): none until a test puts some here. */
  watches: WatchStatus[];
}

/**
 * CommandDeps made of fakes, with the pool seeded from the config's simulated seed, as
 * bot/main.ts seeds the simulated fleet.
 */
export function makeDeps(config: Config, inventories: ReadonlyMap<string, Inventory> = shippedInventories(config), options: { now?: number } = {}): Fakes {
  const requests = new FakeRequestStore();
  const queue = new RecordingQueue();
  const pooling = new FakePooling(seedEntries(config.backends.pooling, inventories));
  const locks = new FakeLocks();
  const audit = new MemoryAudit();
  const clock = new FixedClock(options.now ?? DEFAULT_NOW);
  const safety = makeSafety(pooling, inventories, clock);
  const watches: WatchStatus[] = [];
  // The real view over the in-memory proof records: status shows what the guard would have recorded.
  const watch = new GuardWatchView({ list: async () => watches, proofs: safety.proofs, settings: () => ({ proveMs: TEST_PROOF_SETTINGS.proveMs, analysis: analysisSettingsSchema.parse({}) }), clock });
  // The real filer over the fakes: a pool request is filed exactly as in production.
  const filer = new RequestFiler({ config, clock, requests, queue, audit });
  return { deps: { requests, queue, filer, pooling, policy: safety.writer, locks, audit, clock, watch }, safety, requests, queue, pooling, locks, audit, clock, watches };
}

/** A configured person speaking on IRC in #wikimedia-operations, unless told otherwise. */
export function callerFor(person: string | undefined, overrides: Partial<Caller> = {}): Caller {
  return { person, display: person ?? 'stranger', transport: 'irc', channel: '#wikimedia-operations', ...overrides };
}

/** The CutoverError `run` throws; fails the test if it returns or throws anything else. */
export function cutoverErrorFrom(run: () => unknown): CutoverError {
  try {
    run();
  } catch (error) {
    if (error instanceof CutoverError) return error;
    throw new Error(`expected a CutoverError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a CutoverError, but nothing was thrown');
}
