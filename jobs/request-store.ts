import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RequestStore } from '../core/ports/stores.js';
import { CutoverError } from '../core/errors.js';
import { changeRequestSchema, isTerminal, type ChangeRequest } from '../core/requests.js';

/** No 0/o, 1/l/i: ids are read aloud and retyped from chat. */
const ID_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const ID_LENGTH = 4;
const MAX_UPDATE_ATTEMPTS = 10;

const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[1], 'version', '1')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] == '1' then redis.call('SADD', KEYS[3], ARGV[3]) end
return 1
`;

/** Compare-and-swap on a version counter, so concurrent approvals and expiry never overwrite each other. */
const UPDATE = `
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'version', tostring(tonumber(ARGV[1]) + 1))
if ARGV[4] == '1' then redis.call('SADD', KEYS[2], ARGV[3]) else redis.call('SREM', KEYS[2], ARGV[3]) end
return 1
`;

/** Change requests and their approvals, in Redis: they outlive the process and any in-memory timer. */
export class RedisRequestStore implements RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async create(draft: Omit<ChangeRequest, 'id'>): Promise<ChangeRequest> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const request = changeRequestSchema.parse({ ...draft, id: newId() });
      const created = await this.redis.eval(
        CREATE,
        3,
        this.requestKey(request.id),
        this.recentKey(request.service),
        this.openKey(request.service),
        JSON.stringify(request),
        String(request.createdAt),
        request.id,
        isTerminal(request.state) ? '0' : '1',
      );
      if (created === 1) return request;
    }
    throw new CutoverError('redis.unavailable', 'Could not find a free request id after 20 tries.');
  }

  async get(id: string): Promise<ChangeRequest | undefined> {
    return (await this.read(id))?.request;
  }

  async update(id: string, change: (current: ChangeRequest) => ChangeRequest): Promise<ChangeRequest> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt += 1) {
      const current = await this.read(id);
      if (current === undefined) throw new CutoverError('request.not-found', `There is no request ${id}.`);
      const next = changeRequestSchema.parse(change(current.request));
      const written = await this.redis.eval(
        UPDATE,
        2,
        this.requestKey(id),
        this.openKey(next.service),
        current.version,
        JSON.stringify(next),
        id,
        isTerminal(next.state) ? '0' : '1',
      );
      if (written === 1) return next;
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

  private async read(id: string): Promise<{ request: ChangeRequest; version: string } | undefined> {
    const [json, version] = await this.redis.hmget(this.requestKey(id), 'json', 'version');
    if (json === null || json === undefined || version === null || version === undefined) return undefined;
    const parsed = changeRequestSchema.safeParse(JSON.parse(json));
    if (!parsed.success) throw new CutoverError('redis.unavailable', `Request ${id} in Redis is malformed: ${parsed.error.issues[0]?.message ?? ''}`);
    return { request: parsed.data, version };
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

function newId(): string {
  let id = '';
  for (let index = 0; index < ID_LENGTH; index += 1) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}
