import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import type { PoolRef } from '../../core/inventory.js';

/**
 * conftool's tag values (dc, cluster, service). Real clusters use underscores (cache_text), so
 * they are allowed; nothing else is: these words end up in URLs and confctl selectors.
 */
export const conftoolTagSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'a conftool tag: lowercase letters, digits, _ and -' });

/** The pool member's name: a lowercase FQDN, the same rule the config applies to hosts. */
export const conftoolNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}(\.[a-z0-9][a-z0-9-]{0,62})+$/, { error: 'a lowercase FQDN' })
  .max(253);

export interface ConftoolKey {
  dc: string;
  cluster: string;
  service: string;
  fqdn: string;
}

const PREFIX = '/conftool/v1/pools/';

/**
 * Splits and validates `/conftool/v1/pools/<dc>/<cluster>/<service>/<fqdn>`. Every path an
 * adapter receives goes through here first, so a crafted path can become neither another etcd
 * key (`..`, `?`) nor a shell or regex word for confctl.
 */
export function parseConftoolPath(path: string): ConftoolKey {
  const parts = path.startsWith(PREFIX) ? path.slice(PREFIX.length).split('/') : [];
  const [dc, cluster, service, fqdn] = parts;
  if (
    parts.length !== 4 ||
    !conftoolTagSchema.safeParse(dc).success ||
    !conftoolTagSchema.safeParse(cluster).success ||
    !conftoolTagSchema.safeParse(service).success ||
    !conftoolNameSchema.safeParse(fqdn).success
  ) {
    throw new CutoverError('input.invalid', `Not a conftool pool key: ${JSON.stringify(path.slice(0, 200))}; expected ${PREFIX}<dc>/<cluster>/<service>/<fqdn>.`);
  }
  return { dc: dc ?? '', cluster: cluster ?? '', service: service ?? '', fqdn: fqdn ?? '' };
}

/** The pool's directory, `/conftool/v1/pools/<dc>/<cluster>/<service>`, with its tags validated. */
export function conftoolPoolDirectory(pool: PoolRef): string {
  for (const [field, value] of [
    ['dc', pool.dc],
    ['cluster', pool.cluster],
    ['service', pool.conftoolService],
  ] as const) {
    if (!conftoolTagSchema.safeParse(value).success) {
      throw new CutoverError('input.invalid', `Not a conftool ${field}: ${JSON.stringify(value.slice(0, 100))}.`);
    }
  }
  return `${PREFIX}${pool.dc}/${pool.cluster}/${pool.conftoolService}`;
}
