/**
 * The file the lab writes so its stand-in cumin and cookbook know the hosts, as cumin knows them
 * from PuppetDB and /etc/cumin/aliases.yaml in production. Format (JSON), what the lab composer
 * writes with writeTopologyFile():
 *
 *   { "hosts": [ { "fqdn": "maps1005.eqiad.wmnet", "dc": "eqiad", "role": "maps", "address": "127.20.1.1" }, … ],
 *     "aliases": { "maps-canary": ["maps1009.eqiad.wmnet"] } }     // optional, extra or overriding aliases
 *
 * i.e. a serialized LabTopology (lab/topology.ts; other fields are ignored) plus optional aliases.
 * Path: $CUTOVER_LAB_TOPOLOGY. The aliases every lab has, computed from the hosts' roles and DCs
 * as operations-puppet names them: maps, maps-<dc>; wikikube-worker, wikikube-worker-<dc>;
 * lvs, lvs-<dc>; cp-upload, cp-upload-<dc> (the cache hosts in front of maps); all.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import * as z from 'zod';
import type { LabRole, LabTopology } from '../topology.js';
import { LabError } from './lab-client.js';

export const TOPOLOGY_FILE_ENV = 'CUTOVER_LAB_TOPOLOGY';

const fqdn = z.string().regex(/^[a-z0-9][a-z0-9.-]{0,252}$/);
const roles = ['maps', 'worker', 'lvs', 'cache'] as const satisfies readonly LabRole[];

export const topologyFileSchema = z.looseObject({
  hosts: z.array(z.looseObject({ fqdn, dc: z.string(), role: z.enum(roles), address: z.string() })),
  aliases: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/), z.array(fqdn)).optional(),
});
export type TopologyFile = z.infer<typeof topologyFileSchema>;

/** The alias name prefix per role, as production's aliases.yaml has them. */
const ROLE_ALIAS: Record<LabRole, string> = { maps: 'maps', worker: 'wikikube-worker', lvs: 'lvs', cache: 'cp-upload' };

export function labAliases(file: TopologyFile): Record<string, string[]> {
  const aliases: Record<string, string[]> = { all: file.hosts.map((host) => host.fqdn) };
  for (const host of file.hosts) {
    for (const name of [ROLE_ALIAS[host.role], `${ROLE_ALIAS[host.role]}-${host.dc}`]) (aliases[name] ??= []).push(host.fqdn);
  }
  return { ...aliases, ...file.aliases };
}

export async function writeTopologyFile(path: string, topology: LabTopology, extraAliases: Record<string, string[]> = {}): Promise<void> {
  await writeFile(path, `${JSON.stringify({ ...topology, aliases: extraAliases }, null, 2)}\n`);
}

export function readTopologyFile(env: NodeJS.ProcessEnv = process.env): TopologyFile {
  const path = env[TOPOLOGY_FILE_ENV];
  if (path === undefined || path === '') throw new LabError(`${TOPOLOGY_FILE_ENV} is not set: it names the lab's topology file (lab/stand-ins/topology-file.ts), which the lab writes when it starts.`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new LabError(`cannot read the lab's topology file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = topologyFileSchema.safeParse(raw);
  if (!parsed.success) throw new LabError(`${path} is not a lab topology file: ${z.prettifyError(parsed.error).slice(0, 300)}`);
  return parsed.data;
}
