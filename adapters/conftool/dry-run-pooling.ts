import { CutoverError } from '../../core/errors.js';
import type { PoolRef } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';
import { byFqdn, copyEntry, type PoolEntry, type PoolingBackend } from '../../core/ports/pooling.js';
import { conftoolPoolDirectory, parseConftoolPath } from './conftool-key.js';

export interface PlannedWrite {
  path: string;
  /** What is there now (or was planned before this write); undefined when the key does not exist. */
  from: PoolState | undefined;
  to: PoolState;
  expectedRevision: string | null;
  /** The exact request or command the real backend would run, when it can say (etcd PUT, confctl argv). */
  command: string | undefined;
}

/** Backends that can show the write they would perform without performing it. */
export interface DescribesWrites {
  describeWrite(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): string;
}

/**
 * Dry-run over any backend: reads go to the real store, writes are recorded in `plannedWrites`
 * and never sent. Planned writes are overlaid on later reads, so set-and-verify (read, CAS, read
 * back) runs its whole course and a plan of several steps sees its own earlier steps. A CAS
 * whose revision no longer matches fails with `pooling.conflict`, as the real write would.
 */
export class DryRunPooling implements PoolingBackend {
  readonly kind: string;
  readonly plannedWrites: PlannedWrite[] = [];
  private readonly overlay = new Map<string, PoolEntry>();

  constructor(private readonly inner: PoolingBackend & Partial<DescribesWrites>) {
    this.kind = `dry-run:${inner.kind}`;
  }

  async get(path: string): Promise<PoolEntry | undefined> {
    return copy(this.overlay.get(path)) ?? (await this.inner.get(path));
  }

  async listPool(pool: PoolRef, readBack?: string): Promise<PoolEntry[]> {
    const entries = new Map((await this.inner.listPool(pool, readBack)).map((entry) => [entry.path, entry]));
    const directory = `${conftoolPoolDirectory(pool)}/`;
    for (const [path, entry] of this.overlay) {
      if (path.startsWith(directory)) entries.set(path, entry);
    }
    return [...entries.values()].map(copyEntry).sort(byFqdn);
  }

  async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
    const { fqdn } = parseConftoolPath(path);
    const current = await this.get(path);
    if ((current?.revision ?? null) !== expectedRevision) {
      throw new CutoverError(
        'pooling.conflict',
        `Someone else changed ${path} (revision ${current?.revision ?? 'none'}, expected ${expectedRevision ?? 'none'}); dry-run, nothing was written.`,
      );
    }
    this.plannedWrites.push({
      path,
      from: current === undefined ? undefined : { ...current.state },
      to: { ...next },
      expectedRevision,
      command: this.inner.describeWrite?.(path, next, expectedRevision, keep),
    });
    // A revision no real backend hands out, so nobody mistakes the planned entry for a stored one.
    const planned: PoolEntry = { path, fqdn, state: { ...next }, revision: `dry-run-${this.plannedWrites.length}` };
    // The fields kept are the ones the real write would merge into, so a later step of the plan carries them on too.
    const entry = keep === undefined || Object.keys(keep).length === 0 ? planned : { ...planned, extra: keep };
    this.overlay.set(path, copyEntry(entry));
    return copyEntry(entry);
  }
}

function copy(entry: PoolEntry | undefined): PoolEntry | undefined {
  return entry === undefined ? undefined : copyEntry(entry);
}

