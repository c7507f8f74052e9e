import * as z from 'zod';
import { alertmanagerSettingsSchema, type AlertmanagerSettings } from '../adapters/alertmanager/settings.js';
import { pybalSettingsSchema, type PybalSettings } from '../adapters/conftool/settings.js';
import { helmSettingsSchema, type HelmSettings } from '../adapters/helm/settings.js';
import { metricsSettingsSchema, type MetricsSettings } from '../adapters/metrics/settings.js';
import { productionSettingsSchema, type ProductionSettings } from '../adapters/production/settings.js';
import { puppetSettingsSchema, type PuppetSettings } from '../adapters/puppet/settings.js';
import { simulationSettingsSchema, type SimulationSettings } from '../adapters/simulated/simulation-settings.js';
import { productionReferences, pybalReferences, simulationReferences, type Reference, type ReferencedService } from './backend-references.js';
import { deepMerge, writtenIn } from './deep-merge.js';
import { derivedBackends } from './service-defaults.js';

/** Everything below chat, roles and plans that differs from one service to the next. */
export interface ServiceBackends {
  pybal?: PybalSettings;
  helm?: HelmSettings;
  puppet?: PuppetSettings;
  metrics?: MetricsSettings;
  production?: ProductionSettings;
  /** Firing alerts hold the plan; depooled bare metal is silenced. Off when absent. */
  alertmanager?: AlertmanagerSettings;
  /** Always there: derived from the service when nothing is written, used when conftool is simulated. */
  simulation: SimulationSettings;
}

/** A block as written, before the layers meet: only its own keys, each value checked once merged. */
function layerOf(schema: { shape: Record<string, unknown> }) {
  return z.strictObject(Object.fromEntries(Object.keys(schema.shape).map((key) => [key, z.unknown().optional()]))).optional();
}

/**
 * The blocks that may be written under `backends` (shared by every service) and under
 * `services.<name>.backends` (that service's own). A service's settings are the derived
 * defaults, the shared block laid over them, and its own block laid over that.
 */
export const backendLayersSchema = z.strictObject({
  pybal: layerOf(pybalSettingsSchema),
  helm: layerOf(helmSettingsSchema),
  puppet: layerOf(puppetSettingsSchema),
  metrics: layerOf(metricsSettingsSchema),
  production: layerOf(productionSettingsSchema),
  alertmanager: layerOf(alertmanagerSettingsSchema),
  simulation: layerOf(simulationSettingsSchema),
});
export type BackendLayers = z.infer<typeof backendLayersSchema>;
type Block = keyof BackendLayers;

export interface LayeredService extends ReferencedService {
  backends?: BackendLayers | undefined;
}

export interface BackendIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * Every service's merged backend settings, or every problem with them. A problem is reported
 * where its value is written: the service's own block, or the shared block (once, naming the
 * services it broke); a value nobody wrote is asked for in either place.
 */
export function resolveServiceBackends(services: Readonly<Record<string, LayeredService>>, shared: BackendLayers): { backends: Map<string, ServiceBackends>; issues: BackendIssue[] } {
  const issues = new Issues();
  const backends = new Map<string, ServiceBackends>();
  for (const [name, service] of Object.entries(services)) {
    const derived = derivedBackends(name, service);
    const own = service.backends ?? {};
    const resolve = <S extends z.ZodType>(block: Block, schema: S, references: (settings: z.output<S>) => Reference[], always = false): z.output<S> | undefined => {
      const where = { name, block, own: own[block], shared: shared[block] };
      if (!always && where.own === undefined && where.shared === undefined) return undefined;
      const parsed = schema.safeParse(deepMerge(deepMerge(derived[block] ?? {}, where.shared ?? {}), where.own ?? {}));
      if (!parsed.success) {
        for (const issue of parsed.error.issues) issues.add(where, issue.path, issue.message, 'keys' in issue ? issue.keys : undefined);
        return undefined;
      }
      for (const reference of references(parsed.data)) issues.add(where, reference.path, reference.message);
      return parsed.data;
    };
    const pybal = resolve('pybal', pybalSettingsSchema, (settings) => pybalReferences(name, settings, service));
    const helm = resolve('helm', helmSettingsSchema, () => []);
    const puppet = resolve('puppet', puppetSettingsSchema, () => []);
    const metrics = resolve('metrics', metricsSettingsSchema, () => []);
    const production = resolve('production', productionSettingsSchema, (settings) => productionReferences(name, settings, service));
    const alertmanager = resolve('alertmanager', alertmanagerSettingsSchema, () => []);
    const simulation = resolve('simulation', simulationSettingsSchema, (settings) => simulationReferences(name, settings, service), true);
    if (simulation === undefined) continue;
    backends.set(name, {
      ...(pybal === undefined ? {} : { pybal }),
      ...(helm === undefined ? {} : { helm }),
      ...(puppet === undefined ? {} : { puppet }),
      ...(metrics === undefined ? {} : { metrics }),
      ...(production === undefined ? {} : { production }),
      ...(alertmanager === undefined ? {} : { alertmanager }),
      simulation,
    });
  }
  return { backends, issues: issues.list() };
}

/** Problems, each said once: a shared value that breaks two services is one line naming both. */
class Issues {
  private readonly byPath = new Map<string, { path: PropertyKey[]; message: string; services: string[] }>();

  add(where: { name: string; block: Block; own: unknown; shared: unknown }, path: PropertyKey[], message: string, keys?: readonly string[]): void {
    const probe = keys?.[0] === undefined ? path : [...path, keys[0]];
    const { name, block } = where;
    if (writtenIn(where.own, probe)) return this.put(['services', name, 'backends', block, ...path], message, undefined);
    if (writtenIn(where.shared, probe)) return this.put(['backends', block, ...path], message, name);
    this.put(['services', name, 'backends', block, ...path], `${message} (set it under services.${name}.backends.${block}, or under backends.${block} for every service)`, undefined);
  }

  list(): BackendIssue[] {
    return [...this.byPath.values()].map(({ path, message, services }) =>
      services.length === 0 ? { path, message } : { path, message: `${message} (for ${services.join(', ')}; override it under services.<name>.backends.${String(path[1])})` },
    );
  }

  private put(path: PropertyKey[], message: string, service: string | undefined): void {
    const key = `${path.map(String).join('.')}\n${message}`;
    const entry = this.byPath.get(key) ?? { path, message, services: [] };
    if (service !== undefined) entry.services.push(service);
    this.byPath.set(key, entry);
  }
}
