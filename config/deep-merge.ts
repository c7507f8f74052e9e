/** A YAML mapping as parsed: an object that is neither null nor a list. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `over` laid on `base` as Helm lays values files: mappings merge key by key, the later layer
 * winning; lists, scalars and null replace whole (a service's alias list is its own, not an
 * addition to the shared one). Built with Object.fromEntries so a `__proto__` key in YAML stays
 * a plain key and never reaches a prototype.
 */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (!isMapping(base) || !isMapping(over)) return over;
  const keys = new Set([...Object.keys(base), ...Object.keys(over)]);
  return Object.fromEntries([...keys].map((key) => [key, deepMerge(Object.hasOwn(base, key) ? base[key] : undefined, Object.hasOwn(over, key) ? over[key] : undefined)]));
}

/** Whether a layer spells out the value at `path` itself. */
export function writtenIn(layer: unknown, path: readonly PropertyKey[]): boolean {
  let node = layer;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === 'number' && key < node.length) {
      node = node[key] as unknown;
      continue;
    }
    if (!isMapping(node) || typeof key === 'symbol' || !Object.hasOwn(node, key)) return false;
    node = node[String(key)];
  }
  return layer !== undefined;
}
