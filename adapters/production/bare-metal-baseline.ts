import type { Inventory } from '../../core/inventory.js';
import { nearestRank, noBaseline, type Baseline } from '../../core/plan/baseline.js';
import type { HttpProbeResult, Prober } from '../probes/prober.js';
import type { ProductionSettings } from './settings.js';

/** At most this many probe requests in flight: a baseline must never be load on the maps hosts. */
const CONCURRENCY = 8;

/**
 * Bare metal's baseline as production can have it: Kartotherian's requests on the maps hosts
 * reach no Prometheus, so the bot sends its own real requests (the public URL, Host and SNI,
 * the expected certificate names) to each bare-metal member of the LVS service in the DC, on
 * the service's port, `vip_attempts` to each. A host refusing every connection does not serve
 * that port (yet) and is left out of the sample; every other failure counts. Latency is the
 * time after the TLS handshake (connect and handshake are the bot's network, not the host's
 * work), the nearest thing to envoy's upstream request time.
 */
export async function probeBareMetal(deps: { inventory: Inventory; settings: ProductionSettings; prober: Prober }, args: { dc: string; lvsService: string; signal?: AbortSignal }): Promise<Baseline> {
  const { inventory, settings, prober } = deps;
  const probes = settings.probes;
  const port = inventory.lvsService(args.lvsService).port;
  const hosts = inventory.members(args.lvsService, args.dc).filter((host) => host.kind === 'bare-metal');
  if (hosts.length === 0) return noBaseline(`${args.lvsService} has no bare-metal member in ${args.dc}`);
  const jobs = hosts.flatMap((host) =>
    Array.from({ length: probes.vip_attempts }, () => () =>
      prober.probeHttp({
        url: probes.public_url,
        connectTo: { host: host.fqdn, port },
        expectedNames: probes.expected_names,
        timeoutMs: probes.timeout_ms,
        ...(probes.ca === undefined ? {} : { ca: probes.ca }),
        ...(args.signal === undefined ? {} : { signal: args.signal }),
      }),
    ),
  );
  const results = await runLimited(jobs, CONCURRENCY);
  const byHost = hosts.map((host, index) => ({ host, results: results.slice(index * probes.vip_attempts, (index + 1) * probes.vip_attempts) }));
  const serving = byHost.filter(({ results: answers }) => !answers.every((result) => result.error?.code === 'refused'));
  if (serving.length === 0) return noBaseline(`no bare-metal host accepts connections on ${port} in ${args.dc}`);
  const sample = serving.flatMap(({ results: answers }) => answers);
  const answered = sample.filter((result) => result.ok).map(afterHandshakeSeconds);
  return { kind: 'probe-sample', requests: sample.length, failed: sample.filter((result) => !result.ok).length, p99Seconds: nearestRank(answered, 0.99), hosts: serving.length };
}

function afterHandshakeSeconds(result: HttpProbeResult): number {
  const handshake = result.timings.tlsMs ?? result.timings.connectMs ?? 0;
  return Math.max(0, result.latencyMs - handshake) / 1000;
}

async function runLimited<T>(jobs: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index];
      if (job !== undefined) results[index] = await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}
