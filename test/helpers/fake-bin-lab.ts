/**
 * A small stand-in for the lab's control server (lab/control-api.ts) for the stand-in tools'
 * tests: node:http on 127.0.0.1, every body and answer checked with the shared schemas, the
 * world kept in a plain object the test edits. Plus the topology file and bin directory the lab
 * writes, so the real adapters run lab/bin's cumin, helmfile, kubectl and cookbook through PATH.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as z from 'zod';
import {
  helmApplyRequest,
  helmApplyResponse,
  helmReleaseResponse,
  kubePodsResponse,
  puppetRunRequest,
  puppetRunResponse,
  pybalRestartRequest,
  pybalRestartResponse,
  type helmRelease,
  type kubePod,
} from '../../lab/control-api.js';
import { writeLabBin } from '../../lab/stand-ins/bin-dir.js';
import { writeTopologyFile } from '../../lab/stand-ins/topology-file.js';
import type { LabHost, LabTopology } from '../../lab/topology.js';

export interface FakeLabWorld {
  /** What the next puppet run on a host changes (absent: nothing); a string is an error the lab answers with. */
  puppet: Record<string, string[] | { error: string; status: number }>;
  /** Milliseconds a host's puppet run takes before the lab answers. */
  puppetDelayMs: Record<string, number>;
  pools: Record<string, string[]>;
  releases: Record<string, z.infer<typeof helmRelease>>;
  pods: Record<string, z.infer<typeof kubePod>[]>;
  /** How many GET /kube/pods a new pod stays not ready for, so rollout status has to wait. */
  podWarmupReads: number;
}

export interface FakeLab {
  url: string;
  dir: string;
  /** For the adapters' `env`: PATH with the lab's bin directory first. */
  env: Record<string, string>;
  world: FakeLabWorld;
  /** Every request the control server got: "POST /puppet/run maps1005.eqiad.wmnet". */
  requests: string[];
  /** Stops the control server only: the stand-ins then find no lab. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

const hosts: LabHost[] = [
  ...['maps1005', 'maps1006', 'maps1007'].map((name, index) => ({ fqdn: `${name}.eqiad.wmnet`, dc: 'eqiad', role: 'maps' as const, address: `127.20.1.${index + 1}` })),
  ...['wikikube-worker1001', 'wikikube-worker1002'].map((name, index) => ({ fqdn: `${name}.eqiad.wmnet`, dc: 'eqiad', role: 'worker' as const, address: `127.20.2.${index + 1}` })),
  ...['lvs1019', 'lvs1020'].map((name, index) => ({ fqdn: `${name}.eqiad.wmnet`, dc: 'eqiad', role: 'lvs' as const, address: `127.20.3.${index + 1}` })),
  { fqdn: 'maps2009.codfw.wmnet', dc: 'codfw', role: 'maps', address: '127.21.1.1' },
];

export const FAKE_LAB_TOPOLOGY: LabTopology = {
  service: 'kartotherian',
  publicName: 'maps.wikimedia.org',
  tilePath: '/osm-intl/6/23/24.png',
  datacenters: ['eqiad', 'codfw'],
  hosts,
  services: [],
  vips: { eqiad: '127.20.10.1', codfw: '127.21.10.1' },
  cdnFrom: 'kartotherian-ssl',
  cdnTo: 'kartotherian-k8s-ssl',
};

function release(env: string): z.infer<typeof helmRelease> {
  return { env, deployed: false, revision: 0, replicas: 2, nodePort: 6543, chart: 'kartotherian-1.4.2', image: 'docker-registry.discovery.wmnet/repos/maps/kartotherian:2025-02-10-090000-production' };
}

async function body(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

export async function startFakeLab(): Promise<FakeLab> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-fake-lab-'));
  const world: FakeLabWorld = {
    puppet: {},
    puppetDelayMs: {},
    pools: { 'lvs1019.eqiad.wmnet': ['kartotherian-ssl_443'], 'lvs1020.eqiad.wmnet': ['kartotherian-ssl_443'] },
    releases: { eqiad: release('eqiad'), codfw: release('codfw') },
    pods: { eqiad: [], codfw: [] },
    podWarmupReads: 1,
  };
  const requests: string[] = [];
  const warmup = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const send = <T>(status: number, schema: z.ZodType<T> | undefined, value: T | { error: string }): void => {
      const checked = status === 200 && schema !== undefined ? schema.parse(value) : value;
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(checked));
    };
    const url = new URL(request.url ?? '/', 'http://lab');
    const route = `${request.method ?? 'GET'} ${url.pathname}`;
    void (async () => {
      const input = request.method === 'POST' ? await body(request) : undefined;
      const env = url.searchParams.get('env') ?? '';
      switch (route) {
        case 'POST /puppet/run': {
          const { host } = puppetRunRequest.parse(input);
          requests.push(`${route} ${host}`);
          if (!hosts.some((known) => known.fqdn === host)) return send(404, undefined, { error: `no lab host ${host}` });
          await new Promise((resolve) => setTimeout(resolve, world.puppetDelayMs[host] ?? 0));
          const outcome = world.puppet[host] ?? [];
          if (!Array.isArray(outcome)) return send(outcome.status, undefined, { error: outcome.error });
          return send(200, puppetRunResponse, { host, changes: outcome });
        }
        case 'POST /pybal/restart': {
          const { host } = pybalRestartRequest.parse(input);
          requests.push(`${route} ${host}`);
          const pools = world.pools[host];
          if (pools === undefined) return send(400, undefined, { error: `${host} is not an LVS host` });
          return send(200, pybalRestartResponse, { host, pools });
        }
        case 'GET /helm/release': {
          requests.push(`${route} ${env}`);
          const found = world.releases[env];
          return found === undefined ? send(404, undefined, { error: `no environment ${env}` }) : send(200, helmReleaseResponse, found);
        }
        case 'POST /helm/apply': {
          const { env: target } = helmApplyRequest.parse(input);
          requests.push(`${route} ${target}`);
          const current = world.releases[target];
          if (current === undefined) return send(404, undefined, { error: `no environment ${target}` });
          const changed = !current.deployed;
          const next = changed ? { ...current, deployed: true, revision: current.revision + 1 } : current;
          world.releases[target] = next;
          if (changed) {
            world.pods[target] = hosts
              .filter((host) => host.role === 'worker' && host.dc === target)
              .map((host, index) => ({ name: `kartotherian-main-7f9c6d5b4-${String.fromCharCode(97 + index)}x7q2`, node: host.fqdn, ready: false, phase: 'Running' as const, restarts: 0, startedAt: new Date().toISOString() }));
            warmup.set(target, world.podWarmupReads);
          }
          return send(200, helmApplyResponse, { changed, release: next });
        }
        case 'GET /kube/pods': {
          requests.push(`${route} ${env}`);
          const pods = world.pods[env];
          if (pods === undefined) return send(404, undefined, { error: `no environment ${env}` });
          const left = warmup.get(env) ?? 0;
          if (left <= 0) for (const pod of pods) pod.ready = true;
          warmup.set(env, left - 1);
          return send(200, kubePodsResponse, { env, pods });
        }
        default:
          return send(404, undefined, { error: `no route ${route}` });
      }
    })().catch((error: unknown) => send(500, undefined, { error: error instanceof Error ? error.message : String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const topologyFile = join(dir, 'topology.json');
  await writeTopologyFile(topologyFile, FAKE_LAB_TOPOLOGY, { 'maps-canary': ['maps1007.eqiad.wmnet'] });
  const stop = async (): Promise<void> => {
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const binDir = await writeLabBin(join(dir, 'bin'), { url, topologyFile });
  return {
    url,
    dir,
    env: { PATH: [binDir, dirname(process.execPath), '/usr/bin', '/bin'].join(':') },
    world,
    requests,
    stop,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
