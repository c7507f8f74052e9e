import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import * as z from 'zod';

/**
 * curl's `--resolve HOST:PORT:ADDR[,ADDR…]`: connections to HOST on PORT (`*`: any port) go to
 * ADDR, while the name stays what the request carries (Host header, TLS SNI, certificate check).
 * For a lab or a canary whose names the resolver does not know, without editing /etc/hosts.
 * An IPv6 ADDR is written in brackets, as curl wants: `maps1005.eqiad.wmnet:443:[::1]`.
 */
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

export interface ResolveEntry {
  host: string;
  /** null: any port (`*`). */
  port: number | null;
  addresses: string[];
}

export function parseResolveEntry(text: string): ResolveEntry | string {
  const first = text.indexOf(':');
  const second = first === -1 ? -1 : text.indexOf(':', first + 1);
  if (second === -1) return `"${text}" is not HOST:PORT:ADDR (e.g. maps1005.eqiad.wmnet:443:127.20.1.1, or * as the port for any port)`;
  const host = text.slice(0, first).toLowerCase();
  const portText = text.slice(first + 1, second);
  if (!HOST.test(host) || isIP(host) !== 0) return `"${text}": ${host === '' ? 'the host is empty' : `"${host}" is not a host name`}`;
  const port = portText === '*' ? null : /^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65_535 ? Number(portText) : undefined;
  if (port === undefined) return `"${text}": the port "${portText}" is not 1-65535 or *`;
  const addresses = text
    .slice(second + 1)
    .split(',')
    .map((address) => (address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address));
  const bad = addresses.find((address) => isIP(address) === 0);
  if (bad !== undefined) return `"${text}": "${bad}" is not an IP address${bad.includes(':') ? ' (write IPv6 in brackets, [::1])' : ''}`;
  return { host, port, addresses };
}

/** The config's list of entries: each one parsed, a host:port given twice refused. */
export const resolveEntriesSchema = z
  .array(z.string())
  .max(10_000)
  .transform((texts, ctx) => {
    const entries: ResolveEntry[] = [];
    const seen = new Set<string>();
    texts.forEach((text, index) => {
      const entry = parseResolveEntry(text);
      if (typeof entry === 'string') {
        ctx.addIssue({ code: 'custom', path: [index], message: entry });
        return;
      }
      const key = `${entry.host}:${entry.port ?? '*'}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index], message: `${key} is given twice` });
      seen.add(key);
      entries.push(entry);
    });
    return entries;
  });

/**
 * Where a host name on a port connects. An entry for the exact port wins over `*`; a name with
 * no entry goes to the system resolver, so an empty map changes nothing.
 */
export class ResolveMap {
  private readonly entries = new Map<string, string[]>();

  constructor(entries: readonly ResolveEntry[] = []) {
    for (const entry of entries) this.entries.set(`${entry.host.toLowerCase()}:${entry.port ?? '*'}`, entry.addresses);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The addresses the map gives `host` on `port`, or undefined when it says nothing about it. */
  addresses(host: string, port: number): readonly string[] | undefined {
    const name = host.toLowerCase().replace(/\.$/, '');
    return this.entries.get(`${name}:${port}`) ?? this.entries.get(`${name}:*`);
  }

  /**
   * A `lookup` for net.connect / tls.connect / http.request to `port`: mapped names answer from
   * the map, others from dns.lookup. Handles `all: true`, which Node's connection-attempt
   * logic (autoSelectFamily) asks for.
   */
  lookupFor(port: number): LookupFunction {
    return (hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
      const mapped = this.addresses(hostname, port);
      if (mapped === undefined) {
        dnsLookup(hostname, options, (error, address, family) => callback(error, address, family));
        return;
      }
      const wanted = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
      const found = mapped.map((address) => ({ address, family: isIP(address) })).filter((entry) => wanted === 0 || entry.family === wanted);
      const first = found[0];
      if (first === undefined) {
        const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname} (network.resolve maps it to no IPv${wanted} address)`);
        error.code = 'ENOTFOUND';
        process.nextTick(() => callback(error, ''));
        return;
      }
      process.nextTick(() => (options.all === true ? callback(null, found) : callback(null, first.address, first.family)));
    };
  }
}

export const NO_RESOLVE = new ResolveMap();
