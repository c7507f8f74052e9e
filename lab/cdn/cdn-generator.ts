import { Agent, request } from 'node:https';
import { startMetricsEndpoint } from '../servers/metrics-endpoint.js';
import type { Listening } from '../servers/listen-on.js';
import type { LabHost } from '../topology.js';
import { createAtsMetrics } from './ats-metrics.js';
import { emptyTally, type CdnTally } from './cdn-tally.js';

export interface CdnTarget {
  address: string;
  port: number;
}

export interface CdnGeneratorOptions {
  /** The cache host it stands in for: its address carries the metrics endpoint. */
  cache: LabHost;
  /** Host header and SNI on every request (maps.wikimedia.org). */
  publicName: string;
  path: string;
  /** The lab CA's PEM: the only root it trusts, as ATS trusts only the internal CA. */
  ca: string;
  /** Where requests go now: the DC's VIP on the port the ATS mapping names (read per request). */
  target: () => CdnTarget;
  ratePerSecond: number;
  timeoutMs?: number;
  /** Idle keep-alive connections close after this (ATS: 120 s); the lab default is 1.5 s. */
  idleTimeoutMs?: number;
  maxSockets?: number;
  metricsPort?: number;
  /** The `backend` label: the mapping's host name, not the VIP. */
  backend?: string;
}

export interface CdnGenerator {
  readonly cache: LabHost;
  tally(): CdnTally;
  stop(): Promise<void>;
}

const TICK_MS = 50;

/**
 * One cache host's share of maps.wikimedia.org traffic: steady GETs of a tile over HTTPS through
 * the VIP, counted the way mtail counts ATS's backend log, on `<cache address>:9122/metrics`.
 * ATS's own errors are statuses too: 502 for a refused or reset connection or a bad certificate,
 * 504 for a backend that does not answer in time.
 */
export async function startCdnGenerator(options: CdnGeneratorOptions): Promise<CdnGenerator> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxSockets = options.maxSockets ?? 16;
  const metrics = createAtsMetrics(options.backend ?? 'kartotherian.discovery.wmnet');
  const endpoint: Listening = await startMetricsEndpoint({
    address: options.cache.address,
    port: options.metricsPort ?? 9122,
    path: '/metrics',
    registry: metrics.registry,
    what: `${options.cache.fqdn} mtail`,
  });
  // Idle origin connections close after a while, as ATS's keep_alive_no_activity_timeout_out does
  // (120 s in production, scaled down here): after the CDN moves port, the old one drains.
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: options.idleTimeoutMs ?? 1500 });
  const tally = emptyTally();
  const pending = new Set<() => void>();
  // Past this many waiting requests a hung backend would only grow the queue: skip and count.
  const maxWaiting = maxSockets * 8;

  const record = (status: string, started: number): void => {
    const seconds = (performance.now() - started) / 1000;
    metrics.observe(status, seconds);
    tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
    if (/^[23]\d\d$/.test(status)) tally.ok += 1;
    else tally.failed += 1;
  };

  const send = (): void => {
    if (pending.size >= maxWaiting) {
      tally.skipped += 1;
      return;
    }
    tally.sent += 1;
    const started = performance.now();
    const target = options.target();
    let settled = false;
    const settle = (status: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pending.delete(abort);
      record(status, started);
    };
    const req = request({
      host: target.address,
      port: target.port,
      path: options.path,
      method: 'GET',
      servername: options.publicName,
      headers: { Host: options.publicName, 'User-Agent': 'ATS/9.2 (cutover lab)' },
      ca: options.ca,
      agent,
    });
    const abort = (): void => {
      settled = true;
      clearTimeout(timer);
      req.destroy();
    };
    pending.add(abort);
    const timer = setTimeout(() => {
      settle('504');
      req.destroy();
    }, timeoutMs);
    req.on('response', (response) => {
      response.resume();
      response.on('end', () => settle(String(response.statusCode ?? 502)));
      response.on('error', () => settle('502'));
    });
    req.on('error', () => settle('502'));
    req.end();
  };

  let owed = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    owed += (options.ratePerSecond * (now - last)) / 1000;
    last = now;
    while (owed >= 1) {
      owed -= 1;
      send();
    }
  }, TICK_MS);

  let stopping: Promise<void> | undefined;
  return {
    cache: options.cache,
    tally: () => structuredClone(tally),
    stop() {
      stopping ??= (async () => {
        clearInterval(ticker);
        for (const abort of [...pending]) abort();
        pending.clear();
        agent.destroy();
        await endpoint.close();
      })();
      return stopping;
    },
  };
}
