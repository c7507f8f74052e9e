import { createServer } from 'node:http';
import { Gauge, Registry } from 'prom-client';
import { closeServer, listen } from '../pybal/http-listen.js';

/** One IPVS real server as /proc/net/ip_vs lists it: only servers in the service table have a row. */
export interface IpvsBackendRow {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  activeConnections: number;
  weight: number;
}

/**
 * An LVS host's node_exporter, ipvs collector only: `node_ipvs_backend_connections_active`,
 * `_inactive` and `node_ipvs_backend_weight` with node_exporter's label names and order
 * (collector/ipvs_linux.go: local_address, local_port, remote_address, remote_port, proto,
 * local_mark, the last empty for a non-fwmark service). Rows are read at scrape time.
 */
export async function startIpvsNodeMetrics(address: string, port: number, rows: () => Promise<readonly IpvsBackendRow[]>): Promise<{ close(): Promise<void> }> {
  const registry = new Registry();
  const labelNames = ['local_address', 'local_port', 'remote_address', 'remote_port', 'proto', 'local_mark'];
  const labels = (row: IpvsBackendRow): Record<string, string> => ({
    local_address: row.localAddress,
    local_port: String(row.localPort),
    remote_address: row.remoteAddress,
    remote_port: String(row.remotePort),
    proto: 'TCP',
    local_mark: '',
  });
  // prom-client collects all metrics of a scrape concurrently: they share one read of the rows.
  let snapshot: { at: number; rows: Promise<readonly IpvsBackendRow[]> } | undefined;
  const read = (): Promise<readonly IpvsBackendRow[]> => {
    if (snapshot === undefined || Date.now() - snapshot.at > 100) snapshot = { at: Date.now(), rows: rows() };
    return snapshot.rows;
  };
  const gauge = (name: string, help: string, value: (row: IpvsBackendRow) => number): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const current = await read();
        this.reset();
        for (const row of current) this.set(labels(row), value(row));
      },
    });
  };
  gauge('node_ipvs_backend_connections_active', 'The current active connections by local and remote address.', (row) => row.activeConnections);
  gauge('node_ipvs_backend_connections_inactive', 'The current inactive connections by local and remote address.', () => 0);
  gauge('node_ipvs_backend_weight', 'The current backend weight by local and remote address.', (row) => row.weight);

  const server = createServer((request, response) => {
    if ((request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error)),
    );
  });
  await listen(server, address, port);
  return { close: () => closeServer(server) };
}
