import { CutoverError } from '../../core/errors.js';
import { networkReason } from '../network-reason.js';
import { parseJson } from '../../core/parse-json.js';
import { EtcdHttp, HttpFailure } from './etcd-http.js';

export interface EtcdClientOptions {
  /** Client URLs, tried in order starting from the last one that answered. */
  endpoints: readonly string[];
  /** Per request and endpoint, body included. */
  timeoutMs: number;
  /** etcd v2 auth; the password comes from the environment, never from config. */
  auth?: { username: string; password: string };
  /** Instead of node:http (etcd-http.ts): tests count and script requests through it. */
  fetch?: typeof globalThis.fetch;
  /** Cancels whatever is in flight, e.g. on shutdown. */
  signal?: AbortSignal;
}

export interface EtcdRequest {
  /** POST and DELETE are the spicerack locks' (adapters/spicerack/): in-order queue keys and releases. */
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** A key or directory under /v2/keys, already validated by the caller. */
  key: string;
  query?: Readonly<Record<string, string>>;
  /** Sent as application/x-www-form-urlencoded, as python-etcd does. */
  form?: Readonly<Record<string, string>>;
}

export interface EtcdResponse {
  url: string;
  status: number;
  /** The body as JSON, or undefined when it is not JSON (a proxy's error page). */
  json: unknown;
  text: string;
  /** X-Etcd-Index: etcd's index when it answered; it moves with every write anywhere in etcd. */
  etcdIndex?: number;
}

type Failure = { endpoint: string; reason: string; timedOut: boolean };

/**
 * A minimal etcd v2 keys client over node:http (etcd-http.ts; a `fetch` given instead, in tests). It knows HTTP, endpoints and time, not conftool: the
 * caller interprets statuses and validates bodies.
 *
 * A failing endpoint (refused, reset, timed out, 5xx) hands the request to the next one. That is
 * safe for writes too because every write cutover makes is a compare-and-swap: if a timed-out
 * PUT did land, its replay fails the compare and the caller re-reads instead of writing twice.
 */
export class EtcdV2Client {
  private readonly endpoints: readonly string[];
  private readonly fetch: typeof globalThis.fetch | undefined;
  private readonly http = new EtcdHttp();
  private preferred = 0;

  constructor(private readonly options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new CutoverError('config.invalid', 'etcd needs at least one endpoint.');
    this.endpoints = options.endpoints.map((endpoint) => endpoint.replace(/\/+$/, ''));
    this.fetch = options.fetch;
  }

  /** The request as it would be sent, for dry-run: method, URL and form, never the credentials. */
  describe(request: EtcdRequest): string {
    const form = request.form === undefined ? '' : ` ${new URLSearchParams(request.form).toString()}`;
    return `${request.method} ${this.urlFor(this.endpoints[this.preferred] ?? '', request)}${form}`;
  }

  async request(request: EtcdRequest): Promise<EtcdResponse> {
    const failures: Failure[] = [];
    let serverError: EtcdResponse | undefined;
    for (let offset = 0; offset < this.endpoints.length; offset += 1) {
      const index = (this.preferred + offset) % this.endpoints.length;
      const endpoint = this.endpoints[index] ?? '';
      const outcome = await this.attempt(endpoint, request);
      if (!('status' in outcome)) {
        failures.push(outcome);
      } else if (outcome.status >= 500) {
        serverError = outcome;
      } else {
        this.preferred = index;
        return outcome;
      }
    }
    // A member that answered, even with an error, says more than "unreachable": the caller reports its status and message.
    if (serverError !== undefined) return serverError;
    const shown = failures.map((failure) => `${failure.endpoint} (${failure.reason})`).join(', ');
    if (failures.every((failure) => failure.timedOut)) {
      throw new CutoverError('adapter.timeout', `etcd did not answer ${request.method} ${request.key} within ${this.options.timeoutMs} ms: ${shown}`);
    }
    throw new CutoverError('adapter.unreachable', `No etcd endpoint answered ${request.method} ${request.key}: ${shown}`);
  }

  private async attempt(endpoint: string, request: EtcdRequest): Promise<EtcdResponse | Failure> {
    const caller = this.options.signal;
    if (isAborted(caller)) throw cancelled(request);
    const url = this.urlFor(endpoint, request);
    const headers: Record<string, string> = { Accept: 'application/json' };
    // The form as one string with its length: fetch streams a URLSearchParams body chunked, a second write to the socket for every PUT.
    if (request.form !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    if (this.options.auth !== undefined) {
      headers['Authorization'] = `Basic ${Buffer.from(`${this.options.auth.username}:${this.options.auth.password}`).toString('base64')}`;
    }
    const body = request.form === undefined ? undefined : new URLSearchParams(request.form).toString();
    if (this.fetch === undefined) {
      try {
        const answer = await this.http.exchange(url, { method: request.method, headers, ...(body === undefined ? {} : { body }), timeoutMs: this.options.timeoutMs, signal: caller });
        const index = Number(answer.etcdIndex ?? Number.NaN);
        return { url, status: answer.status, json: parseJson(answer.text), text: answer.text, ...(Number.isSafeInteger(index) ? { etcdIndex: index } : {}) };
      } catch (error) {
        if (isAborted(caller) || (error instanceof HttpFailure && error.cancelled)) throw cancelled(request);
        if (error instanceof HttpFailure) return { endpoint, reason: error.reason, timedOut: error.timedOut };
        throw error;
      }
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = caller === undefined ? timeout : AbortSignal.any([timeout, caller]);
    try {
      const response = await this.fetch(url, {
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        signal,
        redirect: 'error',
      });
      // Read the body under the same deadline: a member that sends headers then stalls is as down as one that never answers.
      const text = await response.text();
      const index = Number(response.headers.get('x-etcd-index') ?? Number.NaN);
      return { url, status: response.status, json: parseJson(text), text, ...(Number.isSafeInteger(index) ? { etcdIndex: index } : {}) };
    } catch (error) {
      // Checked again: the caller may have cancelled while the request was in flight.
      if (isAborted(caller)) throw cancelled(request);
      if (timeout.aborted) return { endpoint, reason: `no answer within ${this.options.timeoutMs} ms`, timedOut: true };
      return { endpoint, reason: networkReason(error), timedOut: false };
    }
  }

  private urlFor(endpoint: string, request: EtcdRequest): string {
    const query = request.query === undefined ? '' : `?${new URLSearchParams(request.query).toString()}`;
    return `${endpoint}/v2/keys${request.key}${query}`;
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function cancelled(request: EtcdRequest): CutoverError {
  return new CutoverError('adapter.cancelled', `Cancelled: etcd ${request.method} ${request.key}`);
}
