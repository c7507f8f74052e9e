import type { Redis } from 'ioredis';
import { CutoverError } from '../../core/errors.js';
import { SingleFlight } from '../../core/single-flight.js';
import type { PoolRef } from '../../core/inventory.js';
import { poolStateSchema, type PoolState } from '../../core/pool-state.js';
import { parseConftoolValue } from '../conftool/conftool-value.js';
import { byFqdn, copyEntry, type PoolEntry, type PoolingBackend } from '../../core/ports/pooling.js';

/**
 * Compare-and-swap on the revision, the way conftool uses etcd's prevIndex: the write happens
 * only when nobody changed the key since it was read.
 */
const COMPARE_AND_SET = `
local current = redis.call('HGET', KEYS[2], ARGV[1])
if ARGV[3] == '' then
  if current then return {0, current} end
elseif current ~= ARGV[3] then
  return {0, current or ''}
end
local revision = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], revision)
redis.call('ZADD', KEYS[4], 0, ARGV[1])
return {1, tostring(revision)}
`;

/**
 * One pool's entries with their revisions, at the cost of the pool: the paths come from the
 * path index by range (ZRANGEBYLEX on the directory; no UTF-8 path has a 0xFF byte, so the range ends
 * past every path under it), then only those fields are read. Scanning the fleet hash instead
 * cost every pool read the whole fleet, and one `status` on 1,000 hosts makes ~14 of them.
 * Objects below a sub-directory are not the pool's, as etcd's non-recursive listing has it.
 * The answer is one JSON string, not 1,500 bulk strings: decoding those cost the bot more than
 * Redis took to find them. It comes with a SHA-1 of exactly what it lists; when that is the one
 * the caller already holds (ARGV[2]), only the SHA-1 comes back, and the caller's parsed copy is
 * what Redis holds now, byte for byte, whoever wrote it (cutover, a test's HSET, a hand edit).
 */
const LIST_DIRECTORY = `
local directory = ARGV[1]
local paths = redis.call('ZRANGEBYLEX', KEYS[3], '[' .. directory, '(' .. directory .. '\\255')
local found = {}
-- In slices: unpack has a limit on how many arguments one call takes.
for first = 1, #paths, 1000 do
  local slice = {}
  for index = first, math.min(first + 999, #paths) do slice[#slice + 1] = paths[index] end
  local values = redis.call('HMGET', KEYS[1], unpack(slice))
  local revisions = redis.call('HMGET', KEYS[2], unpack(slice))
  for index = 1, #slice do
    local path = slice[index]
    if values[index] and not string.find(path, '/', #directory + 1, true) then
      found[#found + 1] = path
      found[#found + 1] = values[index]
      found[#found + 1] = revisions[index] or '0'
    end
  end
end
-- Separated by a byte no path, value or revision holds, so two different listings never read the same.
local digest = redis.sha1hex(table.concat(found, '\\0'))
if digest == ARGV[2] then return {digest} end
-- cjson writes an empty table as {}, not [].
if #found == 0 then return {digest, '[]'} end
return {digest, cjson.encode(found)}
`;

/**
 * The path index for a fleet stored before there was one (the demo's state in .state/redis): every
 * path of the hash, added in slices so no single command carries thousands of arguments.
 * Idempotent, so it runs at every start; it reads the whole fleet once, not once per pool read.
 */
const INDEX_ALL = `
local paths = redis.call('HKEYS', KEYS[1])
for first = 1, #paths, 500 do
  local members = {}
  for index = first, math.min(first + 499, #paths) do
    members[#members + 1] = 0
    members[#members + 1] = paths[index]
  end
  redis.call('ZADD', KEYS[2], unpack(members))
end
return #paths
`;

export interface SeedEntry {
  path: string;
  state: PoolState;
}

/**
 * The simulated fleet's conftool: the same keys and JSON values as etcd, kept in Redis so the
 * demo's pool state survives a restart. Like conftool, a value may carry fields cutover does not
 * own; they are read into `extra` and written back from `keep`. (Compact JSON rather than
 * Python's spacing: nothing but this class reads these bytes, and tests pin them.)
 *
 * Beside the hash of values sits a path index (every path in a sorted set, all scores 0) so a pool's
 * listing reads only that pool. Concurrent listings of one pool (status's view, the simulated
 * pybal and health of the same moment) share one Redis read and its parsing; each caller gets its own copy.
 */
export class SimulatedPooling implements PoolingBackend {
  readonly kind = 'simulated';
  private readonly values: string;
  private readonly revisions: string;
  private readonly counter: string;
  private readonly paths: string;
  private readonly listings = new SingleFlight<PoolEntry[]>();
  /** Per directory, the last listing parsed and the SHA-1 Redis gave it: a pool unchanged since is not parsed again. */
  private readonly parsed = new Map<string, { digest: string; entries: PoolEntry[] }>();
  /** Writes sent so far: a listing asked for after a write never joins a read sent before it. */
  private writes = 0;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.values = `${prefix}:sim:conftool`;
    this.revisions = `${prefix}:sim:conftool:revision`;
    this.counter = `${prefix}:sim:conftool:index`;
    this.paths = `${prefix}:sim:conftool:paths`;
  }

  /**
   * Writes the seed only where a key does not exist yet, so restarts keep what people changed.
   * A fleet kept from before the path index gets its index first; its values stay as they were.
   */
  async seed(entries: readonly SeedEntry[]): Promise<number> {
    await this.redis.eval(INDEX_ALL, 2, this.values, this.paths);
    let created = 0;
    for (const entry of entries) {
      try {
        await this.compareAndSet(entry.path, entry.state, null);
        created += 1;
      } catch (error) {
        if (!(error instanceof CutoverError && error.code === 'pooling.conflict')) throw error;
      }
    }
    return created;
  }

  async listPool(pool: PoolRef): Promise<PoolEntry[]> {
    const directory = `/conftool/v1/pools/${pool.dc}/${pool.cluster}/${pool.conftoolService}/`;
    const shared = await this.listings.run(`${this.writes}:${directory}`, async () => {
      const known = this.parsed.get(directory);
      const [digest, json] = (await this.redis.eval(LIST_DIRECTORY, 3, this.values, this.revisions, this.paths, directory, known?.digest ?? '')) as [string, string?];
      if (json === undefined) {
        if (known?.digest !== digest) throw new CutoverError('adapter.bad-output', `The simulated conftool answered ${directory} with no listing for an unknown digest.`);
        return known.entries;
      }
      const flat = JSON.parse(json) as string[];
      const entries: PoolEntry[] = [];
      for (let index = 0; index + 2 < flat.length; index += 3) entries.push(toEntry(flat[index] ?? '', flat[index + 1] ?? '', flat[index + 2]));
      entries.sort(byFqdn);
      this.parsed.set(directory, { digest, entries });
      return entries;
    });
    // Parsed and sorted once per read; each caller gets entries of its own to change.
    return shared.map(copyEntry);
  }

  async get(path: string): Promise<PoolEntry | undefined> {
    const [raw, revision] = await Promise.all([this.redis.hget(this.values, path), this.redis.hget(this.revisions, path)]);
    return raw === null ? undefined : toEntry(path, raw, revision ?? undefined);
  }

  async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
    // Checked before writing: the stored value is read back into the entry, and garbage must not get that far.
    if (!poolStateSchema.safeParse(next).success) throw new CutoverError('input.invalid', `Refusing to write an invalid pool state to ${path}: ${JSON.stringify(next)}`);
    const kept = Object.entries(keep ?? {}).filter(([field]) => field !== 'weight' && field !== 'pooled');
    const value = JSON.stringify(Object.fromEntries([['weight', next.weight], ['pooled', next.pooled], ...kept]));
    this.writes += 1;
    const result = (await this.redis.eval(COMPARE_AND_SET, 4, this.values, this.revisions, this.counter, this.paths, path, value, expectedRevision ?? '')) as [number, string];
    if (result[0] !== 1) {
      throw new CutoverError(
        'pooling.conflict',
        `Someone else changed ${path} (revision ${result[1] || 'none'}, expected ${expectedRevision ?? 'none'}); nothing was written.`,
      );
    }
    return toEntry(path, value, result[1]);
  }
}

/** Read as etcd's values are: tolerant of fields cutover does not own, strict on the ones it does (adapter.bad-output). */
function toEntry(path: string, raw: string, revision: string | undefined): PoolEntry {
  const { state, extra } = parseConftoolValue(raw, path);
  return { path, fqdn: fqdnOf(path), state, revision: revision ?? '0', ...(extra === undefined ? {} : { extra }) };
}

function fqdnOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
