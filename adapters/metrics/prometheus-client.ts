import * as z from 'zod';
import { CutoverError, type ErrorCode } from '../../core/errors.js';
import { printable } from '../../core/printable.js';
import { startDeadline } from '../probes/deadline.js';
import { apiResponseSchema, toQueryData, type QueryData } from './prometheus-response.js';
import { networkReason } from '../network-reason.js';

/** An error that says which query failed and what Prometheus said about it. */
export class PrometheusError extends CutoverError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly query: string,
    readonly details: { endpoint: string; httpStatus?: number; errorType?: string; apiError?: string },
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export interface InstantQuery {
  query: string;
  /** Evaluation time, epoch ms; Prometheus' own "now" when absent. */
  timeMs?: number;
  signal?: AbortSignal;
}

export interface RangeQuery {
  query: string;
  startMs: number;
  endMs: number;
  stepSeconds: number;
  signal?: AbortSignal;
}

export interface QueryResult<D extends QueryData = QueryData> {
  query: string;
  data: D;
  warnings: string[];
}

export type MatrixData = Extract<QueryData, { resultType: 'matrix' }>;

export interface HttpRequestDescription {
  method: 'POST';
  url: string;
  form: Record<string, string>;
}

export interface PrometheusClient {
  readonly baseUrl: string;
  /** Dry-run: the exact HTTP request a query makes. */
  describe(request: InstantQuery | RangeQuery): HttpRequestDescription;
  instant(request: InstantQuery): Promise<QueryResult>;
  range(request: RangeQuery): Promise<QueryResult<MatrixData>>;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Prometheus refuses ranges over this many points per series. */
const MAX_POINTS = 11_000;
const MAX_QUERY_CHARS = 16_000;
const SHOWN_QUERY_CHARS = 300;

/**
 * The Prometheus (or Thanos) HTTP API over fetch. Queries go as POST forms so long PromQL never
 * meets a URL length limit; every call has one deadline covering the request and the body, and
 * Prometheus is told the same timeout so it stops evaluating when we stop waiting.
 */
export function createPrometheusClient(options: { baseUrl: string; timeoutMs: number; fetch?: FetchLike }): PrometheusClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));

  const describe = (request: InstantQuery | RangeQuery): HttpRequestDescription => {
    const form: Record<string, string> = { query: request.query, timeout: `${options.timeoutMs}ms` };
    if ('stepSeconds' in request) {
      form['start'] = seconds(request.startMs);
      form['end'] = seconds(request.endMs);
      form['step'] = String(request.stepSeconds);
      return { method: 'POST', url: `${baseUrl}/api/v1/query_range`, form };
    }
    if (request.timeMs !== undefined) form['time'] = seconds(request.timeMs);
    return { method: 'POST', url: `${baseUrl}/api/v1/query`, form };
  };

  const call = async (request: InstantQuery | RangeQuery): Promise<QueryResult> => {
    const { query } = request;
    if (query.trim() === '' || query.length > MAX_QUERY_CHARS) throw new CutoverError('input.invalid', `A PromQL query must have 1 to ${MAX_QUERY_CHARS} characters.`);
    const { url, form } = describe(request);
    const shown = printable(query, SHOWN_QUERY_CHARS);
    const fail = (code: ErrorCode, why: string, details: Omit<PrometheusError['details'], 'endpoint'> = {}, cause?: unknown): PrometheusError =>
      new PrometheusError(code, `${why} — query: ${shown}`, query, { endpoint: url, ...details }, cause === undefined ? undefined : { cause });

    const deadline = startDeadline(options.timeoutMs, request.signal);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { Accept: 'application/json', 'User-Agent': 'cutover' },
        body: new URLSearchParams(form),
        signal: deadline.signal,
      });
      text = await response.text();
    } catch (error) {
      if (deadline.cancelled()) throw fail('adapter.cancelled', `Prometheus query cancelled`, {}, error);
      if (deadline.timedOut()) throw fail('adapter.timeout', `Prometheus at ${baseUrl} did not answer within ${options.timeoutMs} ms`, {}, error);
      throw fail('adapter.unreachable', `Prometheus at ${baseUrl} is unreachable (${networkReason(error)})`, {}, error);
    } finally {
      deadline.dispose();
    }

    const httpStatus = response.status;
    const notPrometheus = (why: string): PrometheusError =>
      response.ok
        ? fail('adapter.bad-output', `Prometheus at ${baseUrl} answered HTTP ${httpStatus} with ${why}`, { httpStatus })
        : fail('adapter.unreachable', `${baseUrl} answered HTTP ${httpStatus}: ${printable(text.trim().replace(/\s+/g, ' '), 120) || '(empty body)'}`, { httpStatus });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw notPrometheus('something that is not JSON');
    }
    const parsed = apiResponseSchema.safeParse(json);
    if (!parsed.success) throw notPrometheus(`an unexpected shape: ${z.prettifyError(parsed.error)}`);
    const body = parsed.data;
    if (body.status === 'error') {
      const details = { httpStatus, errorType: body.errorType, apiError: body.error };
      const said = `${body.errorType}: ${printable(body.error, 300)}`;
      if (body.errorType === 'timeout') throw fail('adapter.timeout', `Prometheus gave up evaluating (${said})`, details);
      if (body.errorType === 'unavailable') throw fail('adapter.unreachable', `Prometheus is unavailable (${said})`, details);
      throw fail('metrics.query-failed', `Prometheus rejected the query (${said})`, details);
    }
    return { query, data: toQueryData(body.data), warnings: body.warnings ?? [] };
  };

  return {
    baseUrl,
    describe,
    instant: (request) => call(request),
    async range(request) {
      if (!(request.stepSeconds > 0) || !(request.endMs >= request.startMs)) {
        throw new CutoverError('input.invalid', 'A range query needs a positive step and an end at or after its start.');
      }
      if ((request.endMs - request.startMs) / 1000 / request.stepSeconds > MAX_POINTS) {
        throw new CutoverError('input.invalid', `A range query may have at most ${MAX_POINTS} points per series; widen the step.`);
      }
      const result = await call(request);
      if (result.data.resultType !== 'matrix') {
        throw new PrometheusError('adapter.bad-output', `query_range answered a ${result.data.resultType}, not a matrix — query: ${printable(request.query, SHOWN_QUERY_CHARS)}`, request.query, {
          endpoint: `${baseUrl}/api/v1/query_range`,
        });
      }
      return { ...result, data: result.data };
    },
  };
}

function seconds(epochMs: number): string {
  return (epochMs / 1000).toFixed(3);
}
