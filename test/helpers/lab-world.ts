import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LabLoadBalancer, LoadBalancerOptions, PybalMonitorAddress, StartLoadBalancer } from '../../lab/load-balancer.js';
import type { LabTopology } from '../../lab/topology.js';

/**
 * The topology on other loopback addresses: 127.20.x.y becomes 127.<base+0>.x.y, so a lab test
 * binds 443 and 6543 where the balancer's and other lab tests' servers are not (all of 127/8 is local).
 */
export function relocated(topology: LabTopology, base: number): LabTopology {
  const move = (address: string): string => address.replace(/^127\.(\d+)\./, (_match, octet: string) => `127.${base + Number(octet) - 20}.`);
  return {
    ...topology,
    hosts: topology.hosts.map((host) => ({ ...host, address: move(host.address) })),
    vips: Object.fromEntries(Object.entries(topology.vips).map(([dc, vip]) => [dc, move(vip)])),
  };
}

export interface FakeBalancer extends LabLoadBalancer {
  readonly configured: Map<string, readonly string[]>;
  readonly frozen: Map<string, boolean>;
  readonly restarts: string[];
  readonly options: () => LoadBalancerOptions | undefined;
}

/** A balancer that balances nothing: it records what the lab asked of it. Its monitors' ports have nobody listening. */
export function fakeBalancer(): { start: StartLoadBalancer; balancer: FakeBalancer } {
  let given: LoadBalancerOptions | undefined;
  const configured = new Map<string, readonly string[]>();
  const frozen = new Map<string, boolean>();
  const restarts: string[] = [];
  const monitors: PybalMonitorAddress[] = [];
  const balancer: FakeBalancer = {
    configured,
    frozen,
    restarts,
    options: () => given,
    monitors,
    configureServices: (host, services) => void configured.set(host, [...services]),
    restartPybal: async (host) => {
      restarts.push(host);
      return [...(configured.get(host) ?? given?.topology.services.filter((service) => service.initiallyConfigured).map((service) => service.name) ?? [])];
    },
    freezeMonitor: (host, value) => void frozen.set(host, value),
    weights: async () => ({}),
    stop: async () => undefined,
  };
  const start: StartLoadBalancer = async (options) => {
    given = options;
    for (const host of options.topology.hosts.filter((candidate) => candidate.role === 'lvs')) {
      monitors.push({ dc: host.dc, lvsHost: host.fqdn, address: host.address, instrumentationPort: 9090, nodeMetricsPort: 9100 });
    }
    return balancer;
  };
  return { start, balancer };
}

export interface Answer {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  ms: number;
}

/** One GET the way the CDN sends it: Host and SNI the public name, only the lab CA trusted. Rejects with node's error (its code says why). */
export function cdnGet(options: { address: string; port: number; path: string; name: string; ca: string; timeoutMs?: number; tls?: boolean }): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const common = { host: options.address, port: options.port, path: options.path, headers: { Host: options.name }, agent: false as const };
    const req = options.tls === false ? httpRequest(common) : httpsRequest({ ...common, servername: options.name, ca: options.ca });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })), options.timeoutMs ?? 3000);
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], body: Buffer.concat(chunks), ms: performance.now() - started });
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

/** The error code a request failed with, or 'answered <status>'. */
export async function failureOf(promise: Promise<Answer>): Promise<string> {
  try {
    return `answered ${(await promise).status}`;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}
