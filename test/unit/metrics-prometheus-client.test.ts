import { describe, expect, it } from 'vitest';
import { createPrometheusClient, PrometheusError, type FetchLike } from '../../adapters/metrics/prometheus-client.js';
import { parseSampleValue } from '../../adapters/metrics/prometheus-response.js';
import { readingFrom } from '../../adapters/metrics/reading.js';
import { isCutoverError } from '../../core/errors.js';

interface Call {
  url: string;
  form: URLSearchParams;
  method: string | undefined;
}

function fakeFetch(answer: (call: Call) => Response | Promise<Response>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      const call = { url, form: new URLSearchParams(init.body as URLSearchParams), method: init.method };
      calls.push(call);
      return answer(call);
    },
  };
}

const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const vector = (...values: string[]) => json({ status: 'success', data: { resultType: 'vector', result: values.map((value, index) => ({ metric: { i: String(index) }, value: [1739797500.5, value] })) } });

async function rejection(promise: Promise<unknown>): Promise<PrometheusError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof PrometheusError)) throw new Error(`expected a PrometheusError, got ${String(error)}`);
  return error;
}

describe('parseSampleValue', () => {
  it.each([
    ['0.05', 0.05],
    ['1e-05', 0.00001],
    ['-3', -3],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
  ])('reads %s', (text, value) => {
    expect(parseSampleValue(text)).toBe(value);
  });

  it('keeps NaN as NaN and refuses what is not a number', () => {
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('')).toBeUndefined();
    expect(parseSampleValue('0x10')).toBeUndefined();
    expect(parseSampleValue('1,5')).toBeUndefined();
  });
});

describe('PrometheusClient responses', () => {
  const client = (answer: (call: Call) => Response | Promise<Response>, timeoutMs = 1000) => {
    const fake = fakeFetch(answer);
    return { client: createPrometheusClient({ baseUrl: 'http://prometheus.test/ops/', timeoutMs, fetch: fake.fetch }), calls: fake.calls };
  };

  it('POSTs the query as a form with Prometheus-side timeout, and reads a vector', async () => {
    const { client: prometheus, calls } = client(() => vector('0.05'));
    const result = await prometheus.instant({ query: 'sum(up)', timeMs: 1739797500500 });

    expect(calls[0]?.url).toBe('http://prometheus.test/ops/api/v1/query');
    expect(calls[0]?.method).toBe('POST');
    expect(Object.fromEntries(calls[0]?.form ?? [])).toEqual({ query: 'sum(up)', timeout: '1000ms', time: '1739797500.500' });
    expect(result.data).toEqual({ resultType: 'vector', series: [{ labels: { i: '0' }, timeMs: 1739797500500, value: 0.05 }] });
    expect(readingFrom(result)).toEqual({ kind: 'value', value: 0.05, query: 'sum(up)', atMs: 1739797500500 });
  });

  it('reads NaN as no-data, +Inf as a value, and an empty vector as no-data', async () => {
    const read = async (response: Response) => readingFrom(await client(() => response).client.instant({ query: 'q' }));

    expect(await read(vector('NaN'))).toMatchObject({ kind: 'no-data', reason: 'nan' });
    expect(await read(vector('+Inf'))).toMatchObject({ kind: 'value', value: Infinity });
    expect(await read(vector())).toEqual({ kind: 'no-data', reason: 'empty', detail: 'no series matched', query: 'q' });
  });

  it('reads a scalar, and refuses to pick one series out of several', async () => {
    const scalar = await client(() => json({ status: 'success', data: { resultType: 'scalar', result: [1739797500, '2'] } })).client.instant({ query: 'scalar(x)' });
    expect(readingFrom(scalar)).toMatchObject({ kind: 'value', value: 2 });

    const several = await client(() => vector('1', '2')).client.instant({ query: 'x' });
    const error = (() => {
      try {
        readingFrom(several);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(isCutoverError(error, 'adapter.bad-output')).toBe(true);
    expect((error as Error).message).toContain('expected one series, got 2');
  });

  it('reads a matrix from query_range', async () => {
    const { client: prometheus, calls } = client(() =>
      json({
        status: 'success',
        data: { resultType: 'matrix', result: [{ metric: { group: 'k8s' }, values: [[100, '1'], [101, 'NaN'], [102, '+Inf']] }] },
        warnings: ['partial response'],
      }),
    );
    const result = await prometheus.range({ query: 'rate(x[5s])', startMs: 100_000, endMs: 102_000, stepSeconds: 1 });

    expect(calls[0]?.url).toBe('http://prometheus.test/ops/api/v1/query_range');
    expect(Object.fromEntries(calls[0]?.form ?? [])).toMatchObject({ start: '100.000', end: '102.000', step: '1' });
    expect(result.warnings).toEqual(['partial response']);
    const samples = result.data.series[0]?.samples ?? [];
    expect(samples.map((sample) => sample.timeMs)).toEqual([100_000, 101_000, 102_000]);
    expect(samples[0]?.value).toBe(1);
    expect(samples[1]?.value).toBeNaN();
    expect(samples[2]?.value).toBe(Infinity);
  });

  it('refuses range queries Prometheus would refuse, without calling it', async () => {
    const { client: prometheus, calls } = client(() => vector());
    for (const bad of [
      { startMs: 2000, endMs: 1000, stepSeconds: 1 },
      { startMs: 0, endMs: 1000, stepSeconds: 0 },
      { startMs: 0, endMs: 86_400_000, stepSeconds: 1 },
    ]) {
      const error: unknown = await prometheus.range({ query: 'x', ...bad }).catch((caught: unknown) => caught);
      expect(isCutoverError(error, 'input.invalid')).toBe(true);
    }
    expect(calls).toHaveLength(0);
  });

  it('turns a rejected query into metrics.query-failed with the query and the API error', async () => {
    const error = await rejection(
      client(() => json({ status: 'error', errorType: 'bad_data', error: '1:9: parse error: unclosed left parenthesis' }, 400)).client.instant({ query: 'sum(rate(x[5m])' }),
    );

    expect(error.code).toBe('metrics.query-failed');
    expect(error.query).toBe('sum(rate(x[5m])');
    expect(error.details).toMatchObject({ httpStatus: 400, errorType: 'bad_data', apiError: '1:9: parse error: unclosed left parenthesis' });
    expect(error.message).toBe('Prometheus rejected the query (bad_data: 1:9: parse error: unclosed left parenthesis) — query: sum(rate(x[5m])');
  });

  it('maps Prometheus-side timeouts and unavailability', async () => {
    expect((await rejection(client(() => json({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }, 503)).client.instant({ query: 'x' }))).code).toBe('adapter.timeout');
    expect((await rejection(client(() => json({ status: 'error', errorType: 'unavailable', error: 'no store' }, 503)).client.instant({ query: 'x' }))).code).toBe('adapter.unreachable');
  });

  it('tells a proxy error page from a broken Prometheus', async () => {
    const proxy = await rejection(client(() => new Response('<html>502 Bad Gateway</html>', { status: 502 })).client.instant({ query: 'x' }));
    expect(proxy.code).toBe('adapter.unreachable');
    expect(proxy.message).toContain('answered HTTP 502: ‹html›502 Bad Gateway');

    const garbage = await rejection(client(() => new Response('not json', { status: 200 })).client.instant({ query: 'x' }));
    expect(garbage.code).toBe('adapter.bad-output');

    const shape = await rejection(client(() => json({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'lots'] }] } })).client.instant({ query: 'x' }));
    expect(shape.code).toBe('adapter.bad-output');
    expect(shape.message).toContain('not a sample value');
  });

  it('reports a refused connection as unreachable with the errno', async () => {
    const error = await rejection(
      client(() => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
      }).client.instant({ query: 'up' }),
    );

    expect(error.code).toBe('adapter.unreachable');
    expect(error.message).toBe('Prometheus at http://prometheus.test/ops is unreachable (ECONNREFUSED) — query: up');
  });

  /** A fetch that never answers and, like the real one, rejects when its signal aborts. */
  const hangs: FetchLike = (_url, init) =>
    new Promise((_resolve, reject) => {
      init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
    });

  it('times out on its own deadline', async () => {
    const prometheus = createPrometheusClient({ baseUrl: 'http://prometheus.test', timeoutMs: 50, fetch: hangs });
    const error = await rejection(prometheus.instant({ query: 'up' }));

    expect(error.code).toBe('adapter.timeout');
    expect(error.message).toBe('Prometheus at http://prometheus.test did not answer within 50 ms — query: up');
  });

  it('stops when the caller cancels', async () => {
    const prometheus = createPrometheusClient({ baseUrl: 'http://prometheus.test', timeoutMs: 5000, fetch: hangs });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);

    expect((await rejection(prometheus.instant({ query: 'up', signal: controller.signal }))).code).toBe('adapter.cancelled');
  });

  it('describes the request without sending it', () => {
    const { client: prometheus, calls } = client(() => vector());

    expect(prometheus.describe({ query: 'sum(up)' })).toEqual({ method: 'POST', url: 'http://prometheus.test/ops/api/v1/query', form: { query: 'sum(up)', timeout: '1000ms' } });
    expect(calls).toHaveLength(0);
  });
});
