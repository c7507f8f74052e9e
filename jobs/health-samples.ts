import type { Redis } from 'ioredis';
import * as z from 'zod';

const numberOrNull = z.number().nullable();
const groupSchema = z.strictObject({ errorRatio: numberOrNull, p99Seconds: numberOrNull, requestRate: numberOrNull });

export const dcSampleSchema = z.strictObject({
  dc: z.string(),
  /** Share of the DC's traffic on k8s, 0..1; null when the metrics had none. */
  k8sShare: numberOrNull,
  k8s: groupSchema,
  baseline: groupSchema,
  /** Why the numbers are missing (metrics down, no answer in time). */
  note: z.string().optional(),
});
export type DcSample = z.infer<typeof dcSampleSchema>;

export interface HealthSample {
  /** Epoch milliseconds. */
  at: number;
  service: string;
  dcs: DcSample[];
}

/** Read side of the samples, for whoever draws them. */
export interface HealthHistory {
  /** Oldest first, at most `limit` of the newest. */
  recent(service: string, limit: number): Promise<HealthSample[]>;
}

/** About 16 hours at one sample every 30 s for one service: the chart's window, not an archive. */
export const SAMPLE_STREAM_MAXLEN = 2000;

/**
 * Health samples in a capped Redis stream, so the chart survives a restart of the bot. Trimming
 * is approximate (MAXLEN ~), which lets Redis drop whole stream nodes cheaply.
 */
export class HealthSampleStream implements HealthHistory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async append(sample: HealthSample): Promise<void> {
    await this.redis.xadd(this.key(), 'MAXLEN', '~', SAMPLE_STREAM_MAXLEN, '*', 'at', String(sample.at), 'service', sample.service, 'dcs', JSON.stringify(sample.dcs));
  }

  async recent(service: string, limit: number): Promise<HealthSample[]> {
    // Several services share the stream; read enough to find `limit` of this one in the common case.
    const raw = await this.redis.xrevrange(this.key(), '+', '-', 'COUNT', limit * 4);
    const samples: HealthSample[] = [];
    for (const [, fields] of raw) {
      const sample = parseSample(fields);
      if (sample === undefined || sample.service !== service) continue;
      samples.push(sample);
      if (samples.length >= limit) break;
    }
    return samples.reverse();
  }

  private key(): string {
    return `${this.prefix}:health-samples`;
  }
}

/** A malformed entry (an older format, a hand edit) is skipped rather than breaking the chart. */
function parseSample(fields: readonly string[]): HealthSample | undefined {
  const record = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) record.set(fields[index] ?? '', fields[index + 1] ?? '');
  const at = Number(record.get('at'));
  const service = record.get('service');
  if (!Number.isFinite(at) || service === undefined) return undefined;
  try {
    const dcs = z.array(dcSampleSchema).safeParse(JSON.parse(record.get('dcs') ?? ''));
    return dcs.success ? { at, service, dcs: dcs.data } : undefined;
  } catch {
    return undefined;
  }
}
