import { setTimeout as delay } from 'node:timers/promises';
import { CutoverError } from '../../core/errors.js';
import type { PybalSettings } from '../conftool/settings.js';
import { confirmApplied } from './confirm-applied.js';
import { type ExpectedPybalState, type PybalConfirmation } from '../../core/ports/pybal.js';
import { pybalPoolName, pybalPoolStateSchema } from './pybal-pool-state.js';
import { type PybalFailure, type PybalHostView } from '../../core/ports/pybal.js';
import { networkReason } from '../network-reason.js';
import { resolvedFetch } from '../probes/resolved-get.js';
import type { ResolveMap } from '../probes/resolve-map.js';
import { parseJson } from '../../core/parse-json.js';

/** A pool as pybal knows it: the LVS service and port in one datacenter. */
export interface PybalPoolRef {
  dc: string;
  lvsService: string;
  port: number;
}

type Get = (url: string, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

export interface PybalViewDeps {
  fetch?: typeof globalThis.fetch;
  /** network.resolve: where an LVS host's name connects (its name stays the Host header). Ignored when `fetch` is given. */
  resolve?: ResolveMap;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Cancels reads and polling, e.g. on shutdown. */
  signal?: AbortSignal;
}

/**
 * pybal's own view of a pool, read from its instrumentation port on every LVS host of the DC:
 * conftool says what should be, this says what the load balancers did with it.
 */
export class PybalView {
  private readonly get: Get;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(
    private readonly settings: PybalSettings,
    private readonly deps: PybalViewDeps = {},
  ) {
    const fetch = deps.fetch ?? globalThis.fetch;
    this.get =
      deps.fetch === undefined && deps.resolve !== undefined && deps.resolve.size > 0
        ? resolvedFetch(deps.resolve)
        : (url, init) => fetch(url, { ...init, redirect: 'error' });
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms, signal) => delay(ms, undefined, signal === undefined ? {} : { signal }));
  }

  lvsHosts(dc: string): readonly string[] {
    const hosts = Object.hasOwn(this.settings.lvs_hosts, dc) ? this.settings.lvs_hosts[dc] : undefined;
    if (hosts === undefined) {
      throw new CutoverError('input.invalid', `No LVS hosts configured for ${dc}; known: ${Object.keys(this.settings.lvs_hosts).join(', ')}.`);
    }
    return hosts;
  }

  /** Every LVS host of the pool's DC, asked in parallel, each within the per-host timeout. */
  async readPool(pool: PybalPoolRef): Promise<PybalHostView[]> {
    const name = pybalPoolName(pool.lvsService, pool.port);
    return Promise.all(this.lvsHosts(pool.dc).map((host) => this.readHost(host, name)));
  }

  /**
   * After a conftool change, polls every LVS host until each shows `fqdn` as expected (or the
   * timeout passes) and says, per host, whether it did.
   */
  async confirmApplied(pool: PybalPoolRef, fqdn: string, expected: ExpectedPybalState, timeoutMs = this.settings.confirm_timeout_ms): Promise<PybalConfirmation[]> {
    const name = pybalPoolName(pool.lvsService, pool.port);
    return confirmApplied({
      lvsHosts: this.lvsHosts(pool.dc),
      read: (host) => this.readHost(host, name),
      fqdn,
      expected,
      timeoutMs,
      intervalMs: this.settings.poll_interval_ms,
      now: this.now,
      sleep: async (ms) => {
        try {
          await this.sleep(ms, this.deps.signal);
        } catch (error) {
          if (this.deps.signal?.aborted === true) throw new CutoverError('adapter.cancelled', `Cancelled while waiting for pybal to show ${fqdn} in ${name}.`, { cause: error });
          throw error;
        }
      },
    });
  }

  private async readHost(lvsHost: string, poolName: string): Promise<PybalHostView> {
    const url = `${this.settings.scheme}://${lvsHost}:${this.settings.port}/pools/${encodeURIComponent(poolName)}`;
    const timeout = AbortSignal.timeout(this.settings.timeout_ms);
    const caller = this.deps.signal;
    const signal = caller === undefined ? timeout : AbortSignal.any([timeout, caller]);
    const fail = (error: PybalFailure, detail: string): PybalHostView => ({ lvsHost, url, ok: false, error, detail });
    let status: number;
    let text: string;
    try {
      // Without this header pybal answers in text ("enabled/up/pooled"), which is for humans.
      const response = await this.get(url, { headers: { Accept: 'application/json' }, signal });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (caller?.aborted === true) throw new CutoverError('adapter.cancelled', `Cancelled: GET ${url}`, { cause: error });
      if (timeout.aborted) return fail('timeout', `no answer within ${this.settings.timeout_ms} ms`);
      return fail('unreachable', networkReason(error));
    }
    if (status !== 200) return fail('http-error', `HTTP ${status}${status === 404 ? `: pybal has no pool ${poolName}` : ''} ${text.slice(0, 100)}`.trim());
    const parsed = pybalPoolStateSchema.safeParse(parseJson(text));
    if (!parsed.success) return fail('bad-output', `not a pybal pool: ${JSON.stringify(text.slice(0, 100))}`);
    return { lvsHost, url, ok: true, servers: parsed.data };
  }
}
