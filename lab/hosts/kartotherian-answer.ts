import { TILE_PNG } from './tile-png.js';

export interface KartotherianAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** Kartotherian's tile route: /<style>/<z>/<x>/<y>[@<scale>x].png; the lab serves only osm-intl. */
const TILE = /^\/osm-intl\/\d{1,2}\/\d{1,7}\/\d{1,7}(@\d(\.\d)?x)?\.png$/;

/**
 * What Kartotherian answers on a path, as far as the plan and its probes look: tiles are PNGs, `/`
 * is the HTML welcome page (the k8s readiness probe and pybal's ProxyFetch ask for it), `/_info`
 * is service-runner's JSON, everything else is service-runner's 404.
 */
export function kartotherianAnswer(url: string, tilePath: string): KartotherianAnswer {
  const path = url.split('?')[0] ?? url;
  if (path === tilePath || TILE.test(path)) return { status: 200, contentType: 'image/png', body: TILE_PNG };
  if (path === '/') {
    return { status: 200, contentType: 'text/html; charset=utf-8', body: Buffer.from('<!DOCTYPE html><html><head><title>Kartotherian Maps</title></head><body><h1>Kartotherian Maps</h1></body></html>') };
  }
  if (path === '/_info') {
    return json(200, { name: 'kartotherian', version: '0.0.1', description: 'Renders map tiles', home: 'https://wikitech.wikimedia.org/wiki/Maps' });
  }
  return json(404, { type: 'https://mediawiki.org/wiki/HyperSwitch/errors/not_found', title: 'Not found.', method: 'get', uri: path });
}

function json(status: number, value: unknown): KartotherianAnswer {
  return { status, contentType: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify(value)) };
}
