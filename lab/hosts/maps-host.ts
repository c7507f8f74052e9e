import type { LabFault } from '../control-api.js';
import type { LabHost } from '../topology.js';
import type { HostCertificates } from './host-certificates.js';
import { startHostServer, type HostServer } from './host-server.js';

export interface MapsHostOptions {
  host: LabHost;
  tilePath: string;
  certificates: HostCertificates;
  latencyMs: () => number;
  /** Production ports: Kartotherian's plain port, nginx's TLS port, and the one puppet adds. */
  ports?: { plain: number; tls: number; addedTls: number };
}

export interface MapsHost {
  readonly host: LabHost;
  fault: () => LabFault | null;
  setFault(fault: LabFault | null): void;
  /** Whether nginx listens on the added TLS port yet. */
  servesAddedPort(): boolean;
  /** The puppet change of the plan's first step: a second tlsproxy::localssl. False when it already listened. */
  openAddedPort(): Promise<boolean>;
  stop(): Promise<void>;
}

export const MAPS_PORTS = { plain: 6533, tls: 443, addedTls: 6543 } as const;

/**
 * A bare-metal maps host: Kartotherian on 6533 and nginx TLS on 443 from the start, 6543 once
 * puppet has run. Exports no request metrics: production's maps hosts have none in Prometheus.
 */
export async function startMapsHost(options: MapsHostOptions): Promise<MapsHost> {
  const ports = options.ports ?? MAPS_PORTS;
  const { host } = options;
  let fault: LabFault | null = null;
  const base = { address: host.address, tilePath: options.tilePath, fault: () => fault, latencyMs: options.latencyMs };
  const servers: HostServer[] = [];
  let opening: Promise<void> | undefined;
  let stopped = false;
  try {
    servers.push(await startHostServer({ ...base, port: ports.plain, what: `${host.fqdn} kartotherian` }));
    servers.push(await startHostServer({ ...base, port: ports.tls, what: `${host.fqdn} nginx`, certificates: options.certificates }));
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  return {
    host,
    fault: () => fault,
    setFault(next) {
      fault = next;
      for (const server of servers) server.refreshCertificate();
    },
    servesAddedPort: () => servers.length > 2,
    async openAddedPort() {
      if (opening !== undefined) {
        await opening;
        return false;
      }
      opening = startHostServer({ ...base, port: ports.addedTls, what: `${host.fqdn} nginx`, certificates: options.certificates }).then(async (server) => {
        servers.push(server);
        if (stopped) await server.close();
      });
      try {
        await opening;
      } catch (error) {
        // A failed puppet run changes nothing: the next one tries again.
        opening = undefined;
        throw error;
      }
      return true;
    },
    async stop() {
      stopped = true;
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}
