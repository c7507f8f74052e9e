import { CutoverError } from '../../core/errors.js';
import type { PoolRef } from '../../core/inventory.js';
import type { PoolState } from '../../core/pool-state.js';
import type { PoolEntry, PoolingBackend } from '../pooling.js';
import type { FleetState } from './fleet-state.js';

/**
 * The simulated conftool with the `hang pooling` fault applied: every call waits out the adapter
 * timeout and fails, as an etcd that accepts connections and never answers would. Without this
 * the fault was accepted by `simulate` and changed nothing. Writes also take `writeMs`, as they
 * do on a real etcd.
 */
export class FaultInjectingPooling implements PoolingBackend {
  readonly kind: string;

  constructor(
    private readonly inner: PoolingBackend,
    private readonly fleet: FleetState,
    private readonly timeoutMs: number,
    private readonly writeMs = 0,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.kind = inner.kind;
  }

  async listPool(pool: PoolRef): Promise<PoolEntry[]> {
    await this.maybeHang();
    return this.inner.listPool(pool);
  }

  async get(path: string): Promise<PoolEntry | undefined> {
    await this.maybeHang();
    return this.inner.get(path);
  }

  async compareAndSet(path: string, next: PoolState, expectedRevision: string | null, keep?: Readonly<Record<string, unknown>>): Promise<PoolEntry> {
    await this.maybeHang();
    if (this.writeMs > 0) await this.sleep(this.writeMs);
    return this.inner.compareAndSet(path, next, expectedRevision, keep);
  }

  private async maybeHang(): Promise<void> {
    if (!(await this.fleet.faults()).hanging.includes('pooling')) return;
    await this.sleep(this.timeoutMs);
    throw new CutoverError('adapter.timeout', `pooling (conftool) did not answer within ${this.timeoutMs} ms (simulated hang).`);
  }
}
