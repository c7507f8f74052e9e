import { AlertmanagerAlerts } from '../adapters/alertmanager/alertmanager-alerts.js';
import type { AlertmanagerSettings } from '../adapters/alertmanager/settings.js';
import { deliveryReachability, PROBE_TIMEOUT_MS } from '../adapters/http-probe.js';
import type { RedisOutbox } from '../adapters/outbox/redis-outbox.js';
import type { Config } from '../config/schema.js';
import { CutoverError } from '../core/errors.js';
import type { CookbookLocks } from '../core/ports/cookbook-locks.js';
import type { DeliveryReport } from '../core/ports/delivery.js';
import type { Reachability } from '../core/ports/integrations.js';
import type { NoticeContext } from '../core/ports/task-log.js';
import type { Clock } from '../core/ports/stores.js';
import type { IntegrationHealth } from '../jobs/integration-health.js';

type Report = (report: DeliveryReport<NoticeContext>) => void;

/**
 * An outbox's service (Phabricator, Grafana) built with its place in the integrations status: its
 * deliveries say whether it answers, its probe asks when nothing was delivered lately, its backlog
 * is what waits in Redis. The adapter's reports reach `onReport` either way.
 */
export function withIntegration<Adapter extends { probe(): Promise<Reachability>; outbox: Pick<RedisOutbox<unknown, NoticeContext>, 'backlog'> }>(
  health: IntegrationHealth | undefined,
  source: { name: string; what: string; probeSeconds: number },
  onReport: Report,
  build: (onReport: Report) => Adapter,
): Adapter {
  if (health === undefined) return build(onReport);
  // Reports come only once the adapter delivers, after it is built.
  let observe: (outcome: Reachability) => void = () => undefined;
  const adapter = build((report) => {
    observe(report.status === 'delivered' ? { ok: true } : deliveryReachability(report.error));
    onReport(report);
  });
  observe = health.add({
    name: source.name,
    probe: () => adapter.probe(),
    probeIntervalMs: source.probeSeconds * 1000,
    backlog: async () => ({ what: source.what, ...(await adapter.outbox.backlog()) }),
  });
  return adapter;
}

/** The service's Alertmanager, every call of it reported to the integrations status (one entry per URL). */
export function observedAlertmanager(settings: AlertmanagerSettings, clock: Clock, health: IntegrationHealth | undefined): AlertmanagerAlerts {
  const observe = health?.add({ name: 'alertmanager', key: settings.url, probe: () => alerts.probe(), probeIntervalMs: settings.probe_seconds * 1000 });
  const alerts: AlertmanagerAlerts = new AlertmanagerAlerts({ settings, now: () => clock.now(), ...(observe === undefined ? {} : { observe }) });
  return alerts;
}

/** spicerack's cookbook locks with their etcd in the integrations status: every read and write reports, a probe reads the locks. */
export function observedCookbookLocks(locks: CookbookLocks | undefined, config: Config, health: IntegrationHealth): CookbookLocks | undefined {
  const settings = config.backends.cookbook_locks;
  if (locks === undefined || settings === undefined) return locks;
  const observe = health.add({
    name: 'cookbook locks etcd',
    probeIntervalMs: settings.probe_seconds * 1000,
    probe: async () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CutoverError('adapter.timeout', `no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      });
      try {
        await Promise.race([locks.locksOn([]), late]);
        return { ok: true };
      } catch (error) {
        return reachabilityOf(error);
      } finally {
        clearTimeout(timer);
      }
    },
  });
  const watched = async <T>(call: Promise<T>): Promise<T> => {
    try {
      const value = await call;
      observe({ ok: true });
      return value;
    } catch (error) {
      observe(reachabilityOf(error));
      throw error;
    }
  };
  return {
    lockHost: (fqdn, who) => watched(locks.lockHost(fqdn, who)),
    unlockHost: (lease) => watched(locks.unlockHost(lease)),
    locksOn: (fqdns) => watched(locks.locksOn(fqdns)),
  };
}

function reachabilityOf(error: unknown): Reachability {
  const unreachable = error instanceof CutoverError && (error.code === 'adapter.unreachable' || error.code === 'adapter.timeout');
  return { ok: false, error: error instanceof Error ? error.message : String(error), unreachable };
}
