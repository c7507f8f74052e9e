import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import type { PybalPoolState } from '../../core/ports/pybal.js';

/**
 * One server as pybal's instrumentation shows it (`Server.dumpState()` in PyBal): `enabled` is
 * conftool's pooled=yes, `up` is its health checks, `pooled` is whether it is in IPVS now.
 * Loose: a newer pybal adding a field is not an error.
 */
export const pybalServerStateSchema = z.looseObject({
  pooled: z.boolean(),
  weight: z.int().min(0),
  up: z.boolean(),
  enabled: z.boolean(),
});

/** `GET /pools/<service>_<port>` with `Accept: application/json`: `{fqdn: state}`. */
export const pybalPoolStateSchema = z.record(z.string().regex(/^[a-z0-9][a-z0-9.-]{0,252}$/), pybalServerStateSchema);

/** pybal names a pool after its config section, `[<lvs service>_<port>]`, e.g. kartotherian-k8s-ssl_6543. */
export function pybalPoolName(lvsService: string, port: number): string {
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(lvsService) || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new CutoverError('input.invalid', `Not an LVS service and port: ${JSON.stringify(lvsService.slice(0, 80))} ${port}`);
  }
  return `${lvsService}_${port}`;
}

/** The schema's output must fit the port's type: a drift between them stops compiling. */
export type _PybalPoolStateFits = z.infer<typeof pybalPoolStateSchema> extends PybalPoolState ? true : never;
