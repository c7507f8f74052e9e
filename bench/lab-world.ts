import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { DEFAULT_CONFIG_PATH } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { backendName } from '../lab/balancer/backend-name.js';
import { HaproxyRuntime } from '../lab/balancer/haproxy-runtime.js';
import type { PybalMonitorAddress } from '../lab/load-balancer.js';
import { openLab, type OpenLab } from '../lab/rehearse/open-lab.js';
import { EtcdKeys } from '../lab/servers/etcd-keys.js';
import { hostsOf, type LabService } from '../lab/topology.js';
import { relocated } from '../test/helpers/lab-world.js';
import { hostNames, pollUntil, SERVICE } from './harness.js';

/** 127.90.x.y / 127.91.x.y: address bases 90+ belong to the bench, so it runs beside a dev lab or the lab tests. */
const ADDRESS_BASE = 90;
export const DC = 'eqiad';
export const K8S_POOL = 'kartotherian-k8s-ssl';
/** One wave of 50 workers, no soak or checks (also the airtime row's plan). */
export const WAVE_PLAN = fileURLToPath(new URL('./plans/wave-50.yaml', import.meta.url));

/** A clear refusal up front, instead of EACCES from a TLS server deep inside the lab's start. */
export function requireRoot(): void {
  if (process.getuid?.() === 0) return;
  throw new Error('the lab rows need root: the lab binds ports 443 and 6543 on 127.90.x.y addresses. Run `sudo npm run bench`, or leave them out: `npm run bench -- airtime ack etcd rollback status guard` (the other rows).');
}

/** What HAProxy's `show stat` says of one server of the k8s backend; `stot` is its session total. */
export interface BalancedServer {
  status: string;
  weight: number;
  stot: number;
}

/** pybal's `dumpState()` of one server, as /pools/<pool> serves it. */
export interface PybalServer {
  enabled: boolean;
  up: boolean;
  pooled: boolean;
  weight: number;
}

export interface BenchLab {
  readonly opened: OpenLab;
  readonly keys: EtcdKeys;
  /** The eqiad workers, in the config's order. */
  readonly workers: readonly string[];
  /** The bot's config against this lab (production backends), the one-wave plan, no chat transport of its own. */
  botConfig(): Config;
  /** conftool's key of a host in the k8s pool. */
  keyOf(fqdn: string): string;
  /** HAProxy's view of the k8s backend in eqiad. */
  balancer(): Promise<Map<string, BalancedServer>>;
  /** The primary LVS host's pybal view of the k8s pool (the one that programs HAProxy). */
  pybal(): Promise<Record<string, PybalServer>>;
  stop(): Promise<void>;
}

/**
 * The lab (real etcd, HAProxy, pybal monitors, TLS servers, CDN traffic, Prometheus) with `workers`
 * Wikikube workers in eqiad, brought to where a worker can be pooled and take traffic: what the
 * plan's first four steps do in eqiad, done straight through the lab's control API (the calls the
 * stand-in puppet, cookbook and helmfile make), which is cheaper than the plan and its soaks.
 * `depool_threshold` of the k8s pool is 0 so the policy allows 50 unproven workers at once (as row 3).
 */
export async function openBenchLab(workers: number): Promise<BenchLab> {
  requireRoot();
  const base = parse(await readFile(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, unknown>;
  const service = (base['services'] as Record<string, { host_groups: Record<string, { hosts: Record<string, string[]> }>; lvs_services: Record<string, { depool_threshold: number }> }>)[SERVICE];
  const group = service?.host_groups['wikikube'];
  const lvs = service?.lvs_services[K8S_POOL];
  if (group === undefined || lvs === undefined) throw new Error('bench: the shipped config lost its workers or its k8s pool');
  group.hosts[DC] = hostNames('wikikube-worker', DC, 1, workers);
  lvs.depool_threshold = 0;
  // The copy lives in a temp dir: its plan file is named where the shipped config keeps it.
  const plans = base['plans'] as Record<string, { file: string }> | undefined;
  for (const plan of Object.values(plans ?? {})) plan.file = resolve(dirname(DEFAULT_CONFIG_PATH), plan.file);
  const configDir = await mkdtemp(join(tmpdir(), 'cutover-bench-lab-'));
  const configPath = join(configDir, 'kartotherian.yaml');
  await writeFile(configPath, stringify(base));
  const originalPath = process.env['PATH'];
  let opened: OpenLab | undefined;
  try {
    opened = await openLab({ configPath, topology: (topology) => relocated(topology, ADDRESS_BASE), prefix: 'cutover-bench-lab', timeScale: 1 });
    // What the bot's command runner passes on: the stand-in cumin, helmfile, kubectl and cookbook first.
    process.env['PATH'] = `${opened.binDir}${delimiter}${originalPath ?? ''}`;
    const lab = opened.lab;
    const topology = lab.topology;
    const pool = topology.services.find((candidate) => candidate.name === K8S_POOL) ?? fail(`no ${K8S_POOL} in the lab`);
    const primary = lab.loadBalancer.monitors.find((monitor) => monitor.dc === DC) ?? fail(`no pybal monitor in ${DC}`);
    const runtime = new HaproxyRuntime(join(lab.dir, 'balancer', `haproxy-${DC}.sock`));
    const control = async (route: string, body: unknown): Promise<void> => {
      const response = await fetch(`${lab.controlUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`bench: lab ${route} ${JSON.stringify(body)} answered ${response.status}: ${await response.text()}`);
    };
    const names = (role: 'maps' | 'lvs' | 'cache'): string[] => hostsOf(topology, { dc: DC, role }).map((host) => host.fqdn);
    for (const host of names('maps')) await control('/puppet/run', { host });
    for (const host of names('lvs')) await control('/puppet/run', { host });
    for (const host of [...names('lvs')].reverse()) await control('/pybal/restart', { host });
    await control('/helm/apply', { env: DC });
    for (const host of names('cache')) await control('/puppet/run', { host });
    const balancer = (): Promise<Map<string, BalancedServer>> => balancerView(runtime, pool);
    // Ready when every maps host serves the k8s pool and the CDN's requests reach them there.
    const maps = names('maps');
    const before = await balancer();
    await pollUntil(
      async () => {
        const now = await balancer();
        return maps.every((fqdn) => now.get(fqdn)?.status !== 'MAINT') && maps.some((fqdn) => (now.get(fqdn)?.stot ?? 0) > (before.get(fqdn)?.stot ?? 0));
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const ready = opened;
    return {
      opened: ready,
      keys: new EtcdKeys(lab.etcdUrl),
      workers: hostsOf(topology, { dc: DC, role: 'worker' }).map((host) => host.fqdn),
      botConfig() {
        const config = structuredClone(ready.config);
        config.transports = {};
        config.plans = { [SERVICE]: { file: WAVE_PLAN, time_scale: 1 } };
        return config;
      },
      keyOf: (fqdn) => `/conftool/v1/pools/${DC}/${pool.cluster}/${pool.conftoolService}/${fqdn}`,
      balancer,
      pybal: () => pybalView(primary, pool),
      async stop() {
        process.env['PATH'] = originalPath;
        await ready.stop();
        await rm(configDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    process.env['PATH'] = originalPath;
    await opened?.stop();
    await rm(configDir, { recursive: true, force: true });
    throw error;
  }
}

/** `show stat` read by column name, with the session total the lab's own parser leaves out. */
async function balancerView(runtime: HaproxyRuntime, pool: LabService): Promise<Map<string, BalancedServer>> {
  const [header = '', ...lines] = (await runtime.command(['show stat'])).split('\n').filter((line) => line.trim() !== '');
  const columns = header.replace(/^# /, '').split(',');
  const at = (name: string): number => columns.indexOf(name);
  const [px, sv, status, weight, stot] = [at('pxname'), at('svname'), at('status'), at('weight'), at('stot')];
  const backend = backendName(pool);
  const servers = new Map<string, BalancedServer>();
  for (const fields of lines.map((line) => line.split(','))) {
    if (fields[px] !== backend || fields[sv] === 'FRONTEND' || fields[sv] === 'BACKEND') continue;
    servers.set(fields[sv] ?? '', { status: fields[status] ?? '', weight: Number(fields[weight] ?? 0), stot: Number(fields[stot] ?? 0) });
  }
  return servers;
}

async function pybalView(monitor: PybalMonitorAddress, pool: LabService): Promise<Record<string, PybalServer>> {
  const response = await fetch(`http://${monitor.address}:${monitor.instrumentationPort}/pools/${backendName(pool)}`, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`bench: pybal on ${monitor.lvsHost} answered ${response.status} for /pools/${backendName(pool)}`);
  return (await response.json()) as Record<string, PybalServer>;
}

/** Ready (out of maintenance) at a weight: what "HAProxy has it" means here. */
export function balancing(server: BalancedServer | undefined): boolean {
  return server !== undefined && server.status !== 'MAINT' && server.weight > 0;
}

/**
 * Resolves when etcd reports a change of a key under `prefix` after `afterIndex` that `done` accepts,
 * through v2 watches (as pybal reads it), so nothing polls etcd while the bot writes to it.
 */
export async function watchEtcd(url: string, prefix: string, afterIndex: number, done: (key: string, value: string) => boolean, signal: AbortSignal): Promise<number> {
  let waitIndex = afterIndex + 1;
  for (;;) {
    const response = await fetch(`${url}/v2/keys${prefix}?wait=true&recursive=true&waitIndex=${waitIndex}`, { signal });
    const body = (await response.json()) as { node?: { key?: string; value?: string; modifiedIndex?: number } };
    const node = body.node;
    if (!response.ok || node?.key === undefined || node.modifiedIndex === undefined) throw new Error(`bench: etcd watch answered ${response.status} ${JSON.stringify(body)}`);
    if (done(node.key, node.value ?? '')) return performance.now();
    waitIndex = node.modifiedIndex + 1;
  }
}

/** etcd's current index (X-Etcd-Index of a read), where a watch starts from. */
export async function etcdIndex(url: string, key: string): Promise<number> {
  const response = await fetch(`${url}/v2/keys${key}`);
  await response.arrayBuffer();
  const index = Number(response.headers.get('x-etcd-index'));
  if (!Number.isInteger(index)) throw new Error(`bench: etcd gave no X-Etcd-Index for ${key}`);
  return index;
}

function fail(message: string): never {
  throw new Error(message);
}

/** The promise's value, or undefined after `ms`; the timer is cleared either way, so it never holds the process open. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
