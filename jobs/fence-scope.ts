import { AsyncLocalStorage } from 'node:async_hooks';
import { CutoverError, isCutoverError } from '../core/errors.js';
import { UNFENCED, type Fence } from '../core/ports/fence.js';

/**
 * The fence of the work under way, wherever it leads: a job's processor runs inside its fence, and
 * the writer, the notifier, the plan store and the plan's effects ask for it right before they act,
 * however many layers of plan code lie between. Carried by the async context rather than threaded
 * through every call, so no path between a job and a write can forget to hand it on.
 */
export class FenceScope {
  private readonly storage = new AsyncLocalStorage<Fence>();

  run<T>(fence: Fence, work: () => Promise<T>): Promise<T> {
    return this.storage.run(fence, work);
  }

  /** The fence of the work this call belongs to; outside any (a command typed in the channel), none. */
  current(): Fence {
    return this.storage.getStore() ?? UNFENCED;
  }

  /** Throws CutoverError('fence.lost') when the work this call belongs to was taken over by someone else. */
  check(): Promise<void> {
    return this.current().check();
  }

  /** True when `error` or the current fence says this work is no longer ours: say nothing more, write nothing more. */
  async superseded(error: unknown): Promise<boolean> {
    if (isCutoverError(error, 'fence.lost')) return true;
    return this.check().then(
      () => false,
      (lost: unknown) => isCutoverError(lost, 'fence.lost'),
    );
  }
}

/** Both must hold: a guard look is the leader's to run and its job's to finish. */
export function allOf(...fences: readonly Fence[]): Fence {
  const held = fences.filter((fence) => fence !== UNFENCED);
  if (held.length === 0) return UNFENCED;
  if (held.length === 1) return held[0] as Fence;
  return {
    label: held.map((fence) => fence.label).join(' and '),
    async check() {
      await Promise.all(held.map((fence) => fence.check()));
    },
  };
}

export function fenceLost(label: string, why: string): CutoverError {
  return new CutoverError('fence.lost', `${label} is no longer this process's (${why}); it writes and says nothing more, and whoever holds it now carries on.`);
}
