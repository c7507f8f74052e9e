import { performance } from 'node:perf_hooks';
import { CutoverError } from '../../core/errors.js';
import type { PoolRef } from '../../core/inventory.js';
import { poolStateSchema, type PoolState } from '../../core/pool-state.js';
import { byFqdn, copyEntry, type PoolEntry, type PoolingBackend } from '../../core/ports/pooling.js';
import { conftoolNameSchema, conftoolPoolDirectory, parseConftoolPath } from './conftool-key.js';
import { formatConftoolValue, parseConftoolValue } from './conftool-value.js';
import type { EtcdRequest, EtcdResponse, EtcdV2Client } from './etcd-client.js';
import { ETCD_COMPARE_FAILED, ETCD_KEY_NOT_FOUND, ETCD_NODE_EXIST, etcdErrorSchema, etcdResultSchema, type EtcdNode } from './etcd-schemas.js';

/**
 * conftool's pool state read and written the way conftool itself does it (`conftool/drivers/etcd.py`):
 * quorum reads, and writes that are a compare-and-swap on the modifiedIndex that was read
 * (`prevIndex` + `prevExist=true`), or a create that fails if the key exists (`prevExist=false`).
 * The revision handed out is that modifiedIndex.
 */
export class EtcdPooling implements PoolingBackend {
  readonly kind = 'etcd';
  /**
   * The last listing of each pool directory and etcd's index it is exact at. A wave writes 500
   * keys, each after a quorum read of its whole pool: re-listing 500 values per write made the wave
   * 6× the raw writes. A listing is reused only when a quorum read shows that every index etcd
   * moved to since the listing is one of cutover's own compare-and-swaps, folded in (any write
   * anywhere in etcd moves the index, so a foreign write always leaves a gap and is re-read).
   */
  private readonly listings = new Map<string, { index: number; entries: PoolEntry[]; provenAt: number }>();
  /** Per directory: our own writes that landed past its listing's index, by modifiedIndex, waiting for the gap below them to close. */
  private readonly ownWrites = new Map<string, Map<number, PoolEntry>>();
  /** Per directory: our compare-and-swaps still on the wire (a wave writes a few at once); a gap may be one of them. */
  private readonly inFlight = new Map<string, Set<Promise<unknown>>>();

  constructor(
    private readonly client: EtcdV2Client,
    /**
     * Pools up to this many keys are listed whole every time: one request, like the probe, and never
     * two when a write elsewhere in etcd moved the index (in production, the usual case). The probe
     * pays off on big pools (a 500-worker wave).
     */
    private readonly probeAboveKeys = 64,
  ) {}

  async get(path: string): Promise<PoolEntry | undefined> {
    parseConftoolPath(path);
    const response = await this.client.request({ method: 'GET', key: path, query: { quorum: 'true' } });
    if (response.status === 404 && etcdErrorCode(response) === ETCD_KEY_NOT_FOUND) return undefined;
    if (response.status !== 200) throw backendError(response, `read ${path}`);
    const node = resultNode(response, path);
    if (node.key !== path || node.dir === true) throw badOutput(response, `expected the key ${path}`);
    return toEntry(node, path);
  }

  async listPool(pool: PoolRef, readBack?: string): Promise<PoolEntry[]> {
    const directory = conftoolPoolDirectory(pool);
    // A listing no read has proven for a while is read again at once: any write anywhere in etcd moves
    // the index, so after a pause the probe mostly finds it moved and costs a second request. Only
    // speed rides on this; whichever way, what is returned is proven by a quorum read made now.
    const listed = this.listings.get(directory);
    const cached = listed !== undefined && listed.entries.length > this.probeAboveKeys && performance.now() - listed.provenAt <= PROBE_WITHIN_MS ? listed : undefined;
    // The key to read back, where one is asked for: a write's read-back and the pool around it are then one quorum read.
    const probe = readBack === undefined ? cached?.entries[0] : cached?.entries.find((entry) => entry.path === readBack);
    if (probe !== undefined) {
      // As much a quorum read as the listing, one small key instead of the whole directory.
      const now = await this.client.request({ method: 'GET', key: probe.path, query: { quorum: 'true' } });
      if (now.status === 200 && now.etcdIndex !== undefined && (await this.exactAt(directory, now.etcdIndex))) {
        const node = resultNode(now, probe.path);
        const read = node.key === probe.path && node.dir !== true ? toEntry(node, probe.path) : undefined;
        const listing = this.listings.get(directory);
        const at = listing?.entries.findIndex((entry) => entry.path === probe.path) ?? -1;
        // What etcd just said of the probed key is what the listing holds (it covers every index so far); it is what the caller gets.
        if (read !== undefined && listing !== undefined && at !== -1 && listing.entries[at]?.revision === read.revision) {
          listing.entries[at] = read;
          listing.provenAt = performance.now();
          return copyEntries(listing.entries);
        }
      }
    }
    return this.readPool(directory);
  }

  /**
   * True when the cached listing, with our own writes folded in, covers every index up to
   * `etcdIndex`. An index still missing may be one of our writes in flight: those are waited
   * for once, and whatever gap is left is someone else's write.
   */
  private async exactAt(directory: string, etcdIndex: number): Promise<boolean> {
    const covered = (): boolean => (this.listings.get(directory)?.index ?? -1) >= etcdIndex;
    if (covered()) return true;
    const pending = this.inFlight.get(directory);
    if (pending === undefined || pending.size === 0) return false;
    await Promise.allSettled([...pending]);
    return covered();
  }

  private async readPool(directory: string): Promise<PoolEntry[]> {
    // From here on our writes to this directory are kept: one that lands past the listing's index folds in once the listing is in.
    if (!this.ownWrites.has(directory)) this.ownWrites.set(directory, new Map());
    const response = await this.client.request({ method: 'GET', key: directory, query: { recursive: 'true', quorum: 'true' } }).catch((error: unknown) => {
      this.forget(directory);
      throw error;
    });
    if (response.status !== 200) this.forget(directory);
    if (response.status === 404 && etcdErrorCode(response) === ETCD_KEY_NOT_FOUND) return [];
    if (response.status !== 200) throw backendError(response, `list ${directory}`);
    const node = resultNode(response, directory);
    if (node.key !== directory || node.dir !== true) throw badOutput(response, `expected the directory ${directory}`);
    const entries = (node.nodes ?? [])
      .filter((child) => child.dir !== true)
      .map((child) => {
        const name = child.key.slice(directory.length + 1);
        if (!child.key.startsWith(`${directory}/`) || !conftoolNameSchema.safeParse(name).success) {
          throw badOutput(response, `unexpected key ${JSON.stringify(child.key.slice(0, 200))} in ${directory}`);
        }
        return toEntry(child, child.key);
      })
      .sort(byFqdn);
    if (response.etcdIndex === undefined) {
      this.forget(directory);
    } else {
      this.listings.set(directory, { index: response.etcdIndex, entries: copyEntries(entries), provenAt: performance.now() });
      this.foldOwnWrites(directory);
    }
    return entries;
  }

  async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
    const request = this.writeRequest(path, next, expectedRevision, keep);
    const directory = path.slice(0, path.lastIndexOf('/'));
    const sent = this.client.request(request);
    const pending = this.inFlight.get(directory) ?? new Set<Promise<unknown>>();
    this.inFlight.set(directory, pending);
    pending.add(sent);
    let response: EtcdResponse;
    try {
      response = await sent;
    } finally {
      pending.delete(sent);
    }
    if (response.status === 200 || response.status === 201) {
      const node = resultNode(response, path);
      if (node.key !== path || node.dir === true) throw badOutput(response, `expected the key ${path}`);
      const entry = toEntry(node, path);
      // Kept only for a directory that is listed (or being listed): a key written without a listing has nothing to fold into.
      this.ownWrites.get(directory)?.set(node.modifiedIndex, entry);
      this.foldOwnWrites(directory);
      return entry;
    }
    const code = etcdErrorCode(response);
    // 412 is the compare failing (101) or the key existing already (105); a 404 on a compare-and-swap means the key was deleted since it was read.
    const lost = (response.status === 412 && (code === ETCD_COMPARE_FAILED || code === ETCD_NODE_EXIST)) || (response.status === 404 && code === ETCD_KEY_NOT_FOUND && expectedRevision !== null);
    if (lost) {
      throw new CutoverError(
        'pooling.conflict',
        `Someone else changed ${path} (etcd: ${etcdMessage(response)}; expected revision ${expectedRevision ?? 'none'}); nothing was written.`,
      );
    }
    throw backendError(response, `write ${path}`);
  }

  /**
   * Our writes into the listing of their pool, in index order, as long as each is the very next
   * index: then nothing else was written between the listing and them. One past a gap waits
   * (the gap may be our own write still in flight); what the listing already holds is dropped.
   */
  private foldOwnWrites(directory: string): void {
    const own = this.ownWrites.get(directory);
    const cached = this.listings.get(directory);
    if (own === undefined || cached === undefined) return;
    let { index } = cached;
    // The cached array is never handed out (listPool copies), so it is updated in place.
    const { entries } = cached;
    for (let next = own.get(index + 1); next !== undefined; next = own.get(index + 1)) {
      own.delete(index + 1);
      const at = entries.findIndex((known) => known.path === next.path);
      if (at === -1) {
        // A key the listing did not have: not worth folding, list again next time.
        this.forget(directory);
        return;
      }
      entries[at] = { ...next, state: { ...next.state } };
      index += 1;
    }
    for (const seen of own.keys()) if (seen <= index) own.delete(seen);
    cached.index = index;
  }

  private forget(directory: string): void {
    this.listings.delete(directory);
    this.ownWrites.delete(directory);
  }

  /** The exact HTTP write compareAndSet would send, for dry-run. */
  describeWrite(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): string {
    return this.client.describe(this.writeRequest(path, next, expectedRevision, keep));
  }

  /**
   * The whole value is written, as conftool's driver does after merging into what it read: the
   * fields cutover owns from `next`, the others from `keep`. The prevIndex makes that merge
   * safe: if anyone changed any field since the read, the write fails instead of undoing them.
   */
  private writeRequest(path: string, next: PoolState, expectedRevision: string | null, keep: Readonly<Record<string, unknown>> | undefined): EtcdRequest {
    parseConftoolPath(path);
    const state = poolStateSchema.safeParse(next);
    if (!state.success) throw new CutoverError('input.invalid', `Refusing to write an invalid pool state to ${path}: ${JSON.stringify(next)}`);
    if (expectedRevision !== null && !/^\d{1,20}$/.test(expectedRevision)) {
      throw new CutoverError('pooling.backend', `"${expectedRevision.slice(0, 40)}" is not an etcd index; read ${path} through this backend first.`);
    }
    const value = formatConftoolValue(state.data, keep);
    const form: Record<string, string> = expectedRevision === null ? { value, prevExist: 'false' } : { value, prevIndex: expectedRevision, prevExist: 'true' };
    return { method: 'PUT', key: path, form };
  }
}

/** How long after a quorum read proved a listing the next read tries the one-key probe before the whole directory. */
const PROBE_WITHIN_MS = 1000;

/** Callers get their own copies: nobody's edit of an entry can reach the cached listing. */
function copyEntries(entries: readonly PoolEntry[]): PoolEntry[] {
  return entries.map(copyEntry);
}

function toEntry(node: EtcdNode, path: string): PoolEntry {
  if (node.value === undefined) throw new CutoverError('adapter.bad-output', `etcd returned no value for ${path}`);
  const { fqdn } = parseConftoolPath(path);
  const { state, extra } = parseConftoolValue(node.value, path);
  return { path, fqdn, state, revision: String(node.modifiedIndex), ...(extra === undefined ? {} : { extra }) };
}

function resultNode(response: EtcdResponse, what: string): EtcdNode {
  const parsed = etcdResultSchema.safeParse(response.json);
  if (!parsed.success) throw badOutput(response, `not an etcd v2 answer for ${what}`);
  return parsed.data.node;
}

function etcdErrorCode(response: EtcdResponse): number | undefined {
  const parsed = etcdErrorSchema.safeParse(response.json);
  return parsed.success ? parsed.data.errorCode : undefined;
}

function etcdMessage(response: EtcdResponse): string {
  const parsed = etcdErrorSchema.safeParse(response.json);
  if (!parsed.success) return response.text.trim().slice(0, 200) || 'no body';
  const { errorCode, message, cause } = parsed.data;
  return `${errorCode} ${message}${cause === undefined ? '' : ` ${cause}`}`;
}

function backendError(response: EtcdResponse, what: string): CutoverError {
  return new CutoverError('pooling.backend', `etcd refused to ${what}: HTTP ${response.status} ${etcdMessage(response)} (${response.url})`);
}

function badOutput(response: EtcdResponse, what: string): CutoverError {
  return new CutoverError('adapter.bad-output', `Unexpected etcd answer from ${response.url}: ${what}; got ${JSON.stringify(response.text.slice(0, 200))}`);
}
