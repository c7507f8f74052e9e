/**
 * What one conftool object says about a server, as pybal reads it (pybal/etcd.py `decode_node`):
 * the JSON value `{"weight": 10, "pooled": "yes"}` becomes `{weight, enabled: pooled == "yes"}`;
 * `pooled: inactive` or a deleted key becomes `null`, i.e. the server leaves pybal's config.
 * A missing field stays undefined: pybal's Server.merge only overwrites what the value carries
 * (weight must be an int, enabled a bool), so the previous value or the default stays.
 */
export interface ConftoolServerConfig {
  weight?: number;
  enabled?: boolean;
}

/** One node of an etcd v2 keys response. */
export interface EtcdV2Node {
  key: string;
  value?: string;
  dir?: boolean;
  nodes?: EtcdV2Node[];
  modifiedIndex?: number;
}

/** `[host, config | null]` for one etcd node; throws on a value that is not JSON, as pybal's json.loads does. */
export function decodeConftoolNode(node: EtcdV2Node): [string, ConftoolServerConfig | null] {
  const host = node.key.split('/').pop() ?? node.key;
  if (node.value === undefined) return [host, null];
  const parsed: unknown = JSON.parse(node.value);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`conftool value of ${host} is not an object: ${node.value.slice(0, 80)}`);
  const value = parsed as Record<string, unknown>;
  if (value.pooled === 'inactive') return [host, null];
  const config: ConftoolServerConfig = {};
  // Server.allowedConfigKeys: ('weight', int), ('enabled', bool); anything else is ignored.
  if (typeof value.weight === 'number' && Number.isInteger(value.weight)) config.weight = value.weight;
  if (value.pooled !== undefined) config.enabled = value.pooled === 'yes';
  return [host, config];
}

/** pybal/etcd.py `decode_etcd_data`: a directory gives all its children, a single key (a watch event) itself. */
export function decodeEtcdData(node: EtcdV2Node): Map<string, ConftoolServerConfig | null> {
  if (node.dir === true) return new Map((node.nodes ?? []).filter((child) => child.dir !== true).map(decodeConftoolNode));
  return new Map([decodeConftoolNode(node)]);
}

/** pybal/etcd.py `getMaxModifiedIndex`: the next waitIndex after a watch answer is this + 1. */
export function maxModifiedIndex(node: EtcdV2Node): number {
  return Math.max(node.modifiedIndex ?? 0, ...(node.nodes ?? []).map(maxModifiedIndex));
}
