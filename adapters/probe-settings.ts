import * as z from 'zod';

/**
 * How long what an integration's adapter last saw stays fresh for status, and the least time
 * between two probes of an integration nothing has used lately. 30 s: status never costs a probe
 * of its own, and an outage is shown within half a minute. Shorter only for tests and the lab.
 */
export const probeSecondsSchema = z.number().min(0.1).max(3600).default(30);
