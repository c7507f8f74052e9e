import { CutoverError } from '../../core/errors.js';
import type { PoolRef } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';
import type { PoolEntry, PoolingBackend } from '../../core/ports/pooling.js';
import type { FleetState } from './fleet-state.js';

/** A conftool pool as its path names it: /conftool/v1/pools/<dc>/<cluster>/<service>/. */
export type ConftoolPool = Pick<PoolRef, 'cluster' | 'conftoolService'>;

/** The faults of the service that owns a pool, and how its simulated conftool behaves. */
export interface PoolFaults {
  fleet: Pick<FleetState, 'faults'>;
  /** How long a hanging call waits before it fails. */
  timeoutMs: number;
  /** How long each write takes. */
  writeMs: number;
}

/**
 * The simulated conftool with the `hang pooling` fault applied: every call waits out the adapter
 * timeout and fails, as an etcd that accepts connections and never answers would. Without this
 * the fault was accepted by `simulate` and changed nothing. Writes also take `writeMs`, as they
 * do on a real etcd. conftool is one store for every service, but each pool's faults are its
 * owner's (`faultsOf`): `!thumbor simulate hang pooling` must leave Kartotherian's pools alone.
 */
export class FaultInjectingPooling implements PoolingBackend {
  readonly kind: string;

  constructor(
    private readonly inner: PoolingBackend,
    private readonly faultsOf: (pool: ConftoolPool) => PoolFaults | undefined,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.kind = inner.kind;
  }

  async listPool(pool: PoolRef): Promise<PoolEntry[]> {
    await this.maybeHang(this.faultsOf(pool));
    return this.inner.listPool(pool);
  }

  async get(path: string): Promise<PoolEntry | undefined> {
    await this.maybeHang(this.faultsOfPath(path));
    return this.inner.get(path);
  }

  async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
    const faults = this.faultsOfPath(path);
    await this.maybeHang(faults);
    if (faults !== undefined && faults.writeMs > 0) await this.sleep(faults.writeMs);
    return this.inner.compareAndSet(path, next, expectedRevision, keep);
  }

  private faultsOfPath(path: string): PoolFaults | undefined {
    const [, , , , , cluster, conftoolService] = path.split('/');
    return cluster === undefined || conftoolService === undefined ? undefined : this.faultsOf({ cluster, conftoolService });
  }

  private async maybeHang(faults: PoolFaults | undefined): Promise<void> {
    if (faults === undefined || !(await faults.fleet.faults()).hanging.includes('pooling')) return;
    await this.sleep(faults.timeoutMs);
    throw new CutoverError('adapter.timeout', `pooling (conftool) did not answer within ${faults.timeoutMs} ms (simulated hang).`);
  }
}
