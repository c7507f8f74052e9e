import { readFile } from 'node:fs/promises';
import type { OpsResponse, OpsRoute } from '../ops-server.js';
import type { StatusSnapshot } from './status-snapshot.js';

export interface StatusPageAssets {
  html: string;
  css: string;
  js: string;
}

/** The page is three static files next to this one, read once at start. */
export async function loadStatusPageAssets(): Promise<StatusPageAssets> {
  const read = (name: string): Promise<string> => readFile(new URL(`./${name}`, import.meta.url), 'utf8');
  const [html, css, js] = await Promise.all([read('page.html'), read('page.css'), read('page.js')]);
  return { html, css, js };
}

/**
 * Scripts and styles only from this server, no inline code, nothing fetched from elsewhere: even
 * a string that slipped past the page's text-only rendering could not run or phone out.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** Loopback names only: a page on another site that rebinds its DNS to 127.0.0.1 gets nothing. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

/** Several open tabs share one snapshot per second instead of each reading every backend. */
const SNAPSHOT_REUSE_MS = 1000;

export function createStatusRoutes(options: { snapshot: () => Promise<StatusSnapshot>; assets: StatusPageAssets; now?: () => number }): OpsRoute {
  const now = options.now ?? Date.now;
  let cached: { at: number; value: Promise<StatusSnapshot> } | undefined;
  const shared = (): Promise<StatusSnapshot> => {
    if (cached === undefined || now() - cached.at >= SNAPSHOT_REUSE_MS) {
      const value = options.snapshot();
      cached = { at: now(), value };
      // A failed read is not kept: the next poll tries again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
  const respond = (type: string, body: string): OpsResponse => ({ status: 200, headers: { ...SECURITY_HEADERS, 'content-type': type }, body });
  return async ({ path, host }) => {
    const page = path === '/' || path === '/status.css' || path === '/status.js' || path === '/api/status';
    if (!page) return undefined;
    if (!LOOPBACK_HOST.test(host ?? '')) return { status: 421, headers: { 'content-type': 'text/plain' }, body: 'the status page answers loopback host names only\n' };
    switch (path) {
      case '/':
        return respond('text/html; charset=utf-8', options.assets.html);
      case '/status.css':
        return respond('text/css; charset=utf-8', options.assets.css);
      case '/status.js':
        return respond('text/javascript; charset=utf-8', options.assets.js);
      case '/api/status':
        return respond('application/json; charset=utf-8', `${JSON.stringify(await shared())}\n`);
      default:
        return path satisfies never;
    }
  };
}
