import { performance } from 'node:perf_hooks';
import type { Fleet } from './create-fleet.js';

export type AdapterCallObserver = (adapter: string, operation: string, outcome: 'ok' | 'error', seconds: number) => void;

/**
 * The adapter with every promise-returning method timed. A proxy at the composition root rather
 * than a timer in each adapter: the adapters stay unaware of metrics, and a method added later is
 * measured without anyone remembering to.
 */
export function metered<T extends object>(target: T, adapter: string, observe: AdapterCallObserver): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        const started = performance.now();
        const result = method.apply(object, args);
        if (!(result instanceof Promise)) return result;
        const seconds = (): number => (performance.now() - started) / 1000;
        return result.then(
          (resolved: unknown) => {
            observe(adapter, property, 'ok', seconds());
            return resolved;
          },
          (error: unknown) => {
            observe(adapter, property, 'error', seconds());
            throw error;
          },
        );
      };
    },
  });
}

/** A service's plan effects and pool observer, each timed under its own adapter name. */
export function meteredFleet(fleet: Fleet, kind: string, observe: AdapterCallObserver): Fleet {
  return {
    effects: fleet.effects === undefined ? undefined : metered(fleet.effects, `${kind}-effects`, observe),
    observer: fleet.observer === undefined ? undefined : metered(fleet.observer, `${kind}-observer`, observe),
    prober: fleet.prober === undefined ? undefined : metered(fleet.prober, `${kind}-prober`, observe),
    simulation: fleet.simulation,
  };
}
