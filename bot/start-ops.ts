import type { LeadershipView } from '../core/ports/leadership.js';
import type { HealthSampleStream } from '../jobs/health-samples.js';
import type { Core } from './compose-core.js';
import { startOpsServer } from './ops-server.js';
import { buildStatusSnapshot } from './status-page/status-snapshot.js';
import { createStatusRoutes, loadStatusPageAssets } from './status-page/status-routes.js';
import type { ChatTransport } from './transport.js';

/** The loopback ops port, when configured: the status page, /metrics, /healthz and /readyz. */
export async function startOps(core: Core, transports: () => readonly ChatTransport[], samples: HealthSampleStream, leadership: LeadershipView | undefined) {
  const { options, client, deps, inventories, pooling, plans, requests, locks, audit, watches, clock, metrics } = core;
  const { config, log } = options;
  if (config.ops_http === undefined) return undefined;
  const ops = await startOpsServer({
    host: config.ops_http.host,
    port: config.ops_http.port,
    routes: createStatusRoutes({
      assets: await loadStatusPageAssets(),
      snapshot: () => buildStatusSnapshot({ inventories, pooling, plans, observers: deps.observers ?? new Map(), requests, locks, auditReader: audit, history: samples, watch: watches.view, integrations: deps.integrations, clock }),
    }),
    metrics: () => metrics.exposition(),
    readiness: async () => {
      const redisOk = await client.ping().then(() => true, () => false);
      const checks: Record<string, string> = { redis: redisOk ? 'ok' : 'unreachable' };
      let ready = redisOk;
      // Each transport the leader runs says for itself whether it can carry messages now; a standby runs none, and is ready to take over.
      for (const transport of transports()) {
        const health = transport.health?.() ?? { ready: true, state: 'ok' };
        checks[transport.name] = health.state;
        ready &&= health.ready;
      }
      if (leadership === undefined) return { ready, checks };
      const { leader, leading } = await leadership.describe().catch(() => ({ leader: undefined, leading: false }));
      checks['leader'] = leading ? 'leading' : 'standing by';
      return {
        ready,
        checks,
        leader: leader === undefined ? null : { instance: leader.instance, token: leader.token, since: new Date(leader.since).toISOString() },
        instance: { name: leadership.instance, leading },
      };
    },
  });
  log.info({ port: ops.port }, 'ops endpoints on loopback: / (status page) /metrics /healthz /readyz');
  return ops;
}
