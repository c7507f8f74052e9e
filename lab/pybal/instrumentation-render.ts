import { pythonJson } from './python-json.js';

/** What pybal's instrumentation needs of a server: `Server.dumpState()` plus its monitors for the text status. */
export interface ServerView {
  host: string;
  pooled: boolean;
  weight: number;
  up: boolean;
  enabled: boolean;
  /** Each monitor's last result (undefined before its first check), for "partially up". */
  monitorUp: readonly (boolean | undefined)[];
}

export interface PoolView {
  name: string;
  depoolThreshold: number;
  servers: readonly ServerView[];
  pooledDown: readonly string[];
}

export interface Rendered {
  status: number;
  contentType: 'application/json' | 'text/plain';
  body: string;
}

const NOT_FOUND = 'The desired url was not found';

/**
 * pybal's instrumentation API as pure functions of its state, following pybal/instrumentation.py
 * (routes, 404 body, json vs text on the Accept header) and pybal/server.py (`dumpState`,
 * `textStatus`). /metrics is served beside it, not here.
 */
export function renderInstrumentation(path: string, wantJson: boolean, pools: readonly PoolView[]): Rendered {
  const answer = (body: unknown, text: string, status = 200): Rendered =>
    wantJson ? { status, contentType: 'application/json', body: pythonJson(body) } : { status, contentType: 'text/plain', body: text };
  const notFound = (): Rendered => answer({ error: NOT_FOUND }, NOT_FOUND, 404);
  // twisted's Resource tree: /pools, /pools/ (empty child = itself), /pools/<pool>[/], /pools/<pool>/<host>.
  const segments = path.split('?')[0]?.split('/').slice(1) ?? [];
  const [root, poolName, host] = segments.map((segment) => decodeURIComponent(segment));
  if (root === 'alerts' && segments.length === 1) return renderAlerts(wantJson, pools);
  if (root !== 'pools') return notFound();
  if (poolName === undefined || poolName === '') {
    const names = pools.map((pool) => pool.name);
    return answer(names, names.map((name) => `${name}\n`).join('') || '\n');
  }
  const pool = pools.find((candidate) => candidate.name === poolName);
  if (pool === undefined) return notFound();
  if (host === undefined || host === '') {
    return answer(
      Object.fromEntries(pool.servers.map((server) => [server.host, dumpState(server)])),
      pool.servers.map((server) => `${server.host}:\t${textStatus(server)}\n`).join(''),
    );
  }
  const server = pool.servers.find((candidate) => candidate.host === host);
  // An inactive server is not in pybal's config at all, hence 404.
  if (server === undefined) return notFound();
  return answer(dumpState(server), `${textStatus(server)}\n`);
}

/** pybal/server.py `dumpState`, in its key order. */
export function dumpState(server: ServerView): { pooled: boolean; weight: number; up: boolean; enabled: boolean } {
  return { pooled: server.pooled, weight: server.weight, up: server.up, enabled: server.enabled };
}

/** pybal/server.py `textStatus`: enabled|disabled / up|partially up|down / pooled|not pooled. */
export function textStatus(server: ServerView): string {
  // calcPartialStatus: any monitor up (true when there are none).
  const partial = server.monitorUp.length === 0 || server.monitorUp.some((up) => up === true);
  return `${server.enabled ? 'enabled' : 'disabled'}/${server.up ? 'up' : partial ? 'partially up' : 'down'}/${server.pooled ? 'pooled' : 'not pooled'}`;
}

/** pybal/instrumentation.py `Alerts`: critical when servers are down but pooled, warning when a pool is too small to depool. */
function renderAlerts(wantJson: boolean, pools: readonly PoolView[]): Rendered {
  const critical: string[] = [];
  let status = 'ok';
  let msg = '';
  for (const pool of pools) {
    const total = pool.servers.length;
    if (pool.pooledDown.length > 0) {
      critical.push(`${pool.name}: Servers ${pool.pooledDown.join(', ')} are marked down but pooled`);
    } else if (total < total * pool.depoolThreshold + 1) {
      status = 'warning';
      msg += `Pool ${pool.name} is too small to allow depooling. `;
    }
  }
  if (critical.length > 0) {
    status = 'critical';
    msg = critical.join('; ');
  }
  if (status === 'ok') msg = 'All pools are healthy';
  return wantJson
    ? { status: 200, contentType: 'application/json', body: pythonJson({ status, msg }) }
    : { status: 200, contentType: 'text/plain', body: `${status.toUpperCase()} - ${msg}` };
}
