import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RequestStore } from '../core/ports/stores.js';
import { CutoverError } from '../core/errors.js';
import { changeRequestSchema, isTerminal, type ChangeRequest } from '../core/requests.js';
import { NO_WAIT, type ReplicaWait } from './replica-wait.js';

/** No 0/o, 1/l/i: ids are read aloud and retyped from chat. */
const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const ID_LENGTH = 4;
const MAX_UPDATE_ATTEMPTS = 10;
/** Requests whose last seen value is kept for the next update; a few hundred cover every one open at once. */
const KNOWN_LIMIT = 500;

const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'version', '1')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] == '1' then redis.call('SADD', KEYS[3], ARGV[3]) end
return 1
`;

/**
 * Compare-and-swap on a version counter, so concurrent approvals and expiry never overwrite each
 * other. The stored JSON must match too: the value compared may be one this process remembered,
 * and a request lost with its Redis and refiled under the same id starts again at version 1.
 */
const UPDATE = `
local current = redis.call('HMGET', KEYS[1], 'version', 'json')
if current[1] ~= ARGV[1] or current[2] ~= ARGV[5] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'version', tostring(tonumber(ARGV[1]) + 1))
if ARGV[4] == '1' then redis.call('SADD', KEYS[2], ARGV[3]) else redis.call('SREM', KEYS[2], ARGV[3]) end
return 1
`;

interface Stored {
  json: string;
  version: string;
}

/**
 * Change requests and their approvals, in Redis: they outlive the process and any in-memory timer.
 * An update is tried first on the value this process last read or wrote: one round trip instead of
 * a read and a write (approve, start and finish each update a request they have just seen); the
 * compare-and-swap refuses it if anyone wrote since, and then it reads and tries again as before.
 */
export class RedisRequestStore implements RequestStore {
  private readonly known = new Map<string, Stored>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Waits for the replicas after an approval: the write a failover must not lose. */
    private readonly replicas: ReplicaWait = NO_WAIT,
  ) {}

  async create(draft: Omit<ChangeRequest, 'id'>): Promise<ChangeRequest> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const request = changeRequestSchema.parse({ ...draft, id: newId() });
      const json = JSON.stringify(request);
      const created = await this.redis.eval(
        CREATE,
        3,
        this.requestKey(request.id),
        this.recentKey(request.service),
        this.openKey(request.service),
        json,
        String(request.createdAt),
        request.id,
        isTerminal(request.state) ? '0' : '1',
      );
      if (created === 1) {
        this.remember(request.id, { json, version: '1' });
        return request;
      }
    }
    throw new CutoverError('redis.unavailable', 'Could not find a free request id after 20 tries.');
  }

  async get(id: string): Promise<ChangeRequest | undefined> {
    return (await this.read(id))?.request;
  }

  async update(id: string, change: (current: ChangeRequest) => ChangeRequest): Promise<ChangeRequest> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt += 1) {
      const seen = attempt === 0 ? this.known.get(id) : undefined;
      const current = seen === undefined ? await this.read(id) : { request: ownCopy(seen.json), ...seen };
      if (current === undefined) throw new CutoverError('request.not-found', `There is no request ${id}.`);
      const next = changeRequestSchema.parse(change(current.request));
      const json = JSON.stringify(next);
      const written = await this.redis.eval(
        UPDATE,
        2,
        this.requestKey(id),
        this.openKey(next.service),
        current.version,
        json,
        id,
        isTerminal(next.state) ? '0' : '1',
        current.json,
      );
      if (written === 1) {
        this.remember(id, { json, version: String(Number(current.version) + 1) });
        if (isApproval(current.request, next)) await this.replicas.after(this.redis, `approval of ${id}`);
        return next;
      }
      // Someone wrote since: what this process saw is no guide any more.
      this.known.delete(id);
    }
    throw new CutoverError('request.not-pending', `Request ${id} kept changing under us; try again.`);
  }

  async recent(service: string, limit: number): Promise<ChangeRequest[]> {
    const ids = await this.redis.zrevrange(this.recentKey(service), 0, limit - 1);
    return this.readMany(ids);
  }

  async open(service: string): Promise<ChangeRequest[]> {
    const ids = await this.redis.smembers(this.openKey(service));
    const requests = await this.readMany(ids);
    return requests.sort((a, b) => a.createdAt - b.createdAt);
  }

  private async readMany(ids: readonly string[]): Promise<ChangeRequest[]> {
    const requests = await Promise.all(ids.map((id) => this.get(id)));
    return requests.filter((request): request is ChangeRequest => request !== undefined);
  }

  private async read(id: string): Promise<({ request: ChangeRequest } & Stored) | undefined> {
    const [json, version] = await this.redis.hmget(this.requestKey(id), 'json', 'version');
    if (json === null || json === undefined || version === null || version === undefined) {
      this.known.delete(id);
      return undefined;
    }
    // Unchanged since this process validated it (the usual case for the job that runs a request just approved here).
    const request = this.known.get(id)?.json === json ? ownCopy(json) : this.parse(id, json);
    this.remember(id, { json, version });
    return { request, json, version };
  }

  seen(id: string): ChangeRequest | undefined {
    const stored = this.known.get(id);
    return stored === undefined ? undefined : ownCopy(stored.json);
  }

  /** A fresh object each time: callers may change what they are handed, never what is remembered. */
  private parse(id: string, json: string): ChangeRequest {
    const parsed = changeRequestSchema.safeParse(JSON.parse(json));
    if (!parsed.success) throw new CutoverError('redis.unavailable', `Request ${id} in Redis is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }

  private remember(id: string, stored: Stored): void {
    // Oldest first out: a Map iterates in insertion order, and re-inserting moves an id to the end.
    this.known.delete(id);
    this.known.set(id, stored);
    if (this.known.size > KNOWN_LIMIT) this.known.delete(this.known.keys().next().value ?? id);
  }

  private requestKey(id: string): string {
    return `${this.prefix}:request:${id}`;
  }

  private recentKey(service: string): string {
    return `${this.prefix}:${service}:requests`;
  }

  private openKey(service: string): string {
    return `${this.prefix}:${service}:open`;
  }
}

/** A vote added, or the request became approved: what people would have to give again if it were lost. */
function isApproval(before: ChangeRequest, after: ChangeRequest): boolean {
  return after.approvals.length > before.approvals.length || (after.state === 'approved' && before.state !== 'approved');
}

/**
 * A request this process validated before it remembered it (written by it, or read and parsed):
 * JSON.parse alone gives a fresh copy. Checking it again with the schema was most of the CPU of
 * an approval and a job's start and finish (each a few dozen microseconds, several per pool).
 */
function ownCopy(json: string): ChangeRequest {
  return JSON.parse(json) as ChangeRequest;
}

function newId(): string {
  let id = '';
  for (let index = 0; index < ID_LENGTH; index += 1) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}
