import * as z from 'zod';

export type Labels = Record<string, string>;

export interface Sample {
  /** Epoch milliseconds. */
  timeMs: number;
  /** NaN and ±Infinity are kept: callers must decide what they mean, never read them as 0. */
  value: number;
}

export type QueryData =
  | { resultType: 'vector'; series: Array<{ labels: Labels } & Sample> }
  | { resultType: 'matrix'; series: Array<{ labels: Labels; samples: Sample[] }> }
  | { resultType: 'scalar'; sample: Sample }
  | { resultType: 'string'; timeMs: number; value: string };

/**
 * Prometheus writes sample values as strings: decimal numbers, "NaN", "+Inf" and "-Inf". Number()
 * reads "+Inf" as NaN, which would make an infinite p99 look like "no data".
 */
export function parseSampleValue(text: string): number | undefined {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

const sampleSchema = z.tuple([z.number(), z.string()]).transform(([seconds, text], ctx): Sample => {
  const value = parseSampleValue(text);
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a sample value: ${JSON.stringify(text.slice(0, 40))}` });
    return z.NEVER;
  }
  return { timeMs: Math.round(seconds * 1000), value };
});
const labelsSchema = z.record(z.string(), z.string());

const dataSchema = z.discriminatedUnion('resultType', [
  z.looseObject({
    resultType: z.literal('vector'),
    result: z.array(z.looseObject({ metric: labelsSchema, value: sampleSchema })),
  }),
  z.looseObject({
    resultType: z.literal('matrix'),
    result: z.array(z.looseObject({ metric: labelsSchema, values: z.array(sampleSchema) })),
  }),
  z.looseObject({ resultType: z.literal('scalar'), result: sampleSchema }),
  z.looseObject({ resultType: z.literal('string'), result: z.tuple([z.number(), z.string()]) }),
]);

/** The /api/v1/query and /api/v1/query_range envelope, success or error. */
export const apiResponseSchema = z.discriminatedUnion('status', [
  z.looseObject({ status: z.literal('success'), data: dataSchema, warnings: z.array(z.string()).optional() }),
  z.looseObject({ status: z.literal('error'), errorType: z.string(), error: z.string(), warnings: z.array(z.string()).optional() }),
]);

export type ApiResponse = z.output<typeof apiResponseSchema>;

export function toQueryData(data: z.output<typeof dataSchema>): QueryData {
  switch (data.resultType) {
    case 'vector':
      return { resultType: 'vector', series: data.result.map((entry) => ({ labels: entry.metric, ...entry.value })) };
    case 'matrix':
      return { resultType: 'matrix', series: data.result.map((entry) => ({ labels: entry.metric, samples: entry.values })) };
    case 'scalar':
      return { resultType: 'scalar', sample: data.result };
    case 'string':
      return { resultType: 'string', timeMs: Math.round(data.result[0] * 1000), value: data.result[1] };
    default:
      return data satisfies never;
  }
}
