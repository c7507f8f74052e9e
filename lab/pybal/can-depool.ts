/**
 * pybal's depool_threshold rule (pybal/coordinator.py `canDepool`): another server may leave the
 * pool only while the servers both up and enabled are at least `total × threshold`, where total is
 * every server in pybal's config: `pooled: no` counts, `inactive` is not there at all. The caller
 * marks the failing server down first, so this is the count *after* the depool.
 */
export function canDepool(servers: Iterable<{ up: boolean; enabled: boolean }>, threshold: number): boolean {
  let total = 0;
  let upAndEnabled = 0;
  for (const server of servers) {
    total += 1;
    if (server.up && server.enabled) upAndEnabled += 1;
  }
  return upAndEnabled >= total * threshold;
}
