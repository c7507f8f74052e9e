import { request } from 'node:https';
import type { HealthMonitor, MonitorReport, MonitorTarget } from './health-monitor.js';

export interface ProxyFetchOptions {
  /** The Host header and SNI: the public name the server's certificate carries. */
  publicName: string;
  path: string;
  intervalMs: number;
  timeoutMs: number;
  /** pybal's `proxyfetch.http_status`, default 200. */
  expectedStatus?: number;
}

/**
 * pybal's ProxyFetch (pybal/monitors/proxyfetch.py): every interval, GET the URL from the real
 * server's own address on the pool's port (never the VIP), TLS not verified, redirects not
 * followed; up iff the status is the expected one within the timeout. Like pybal's LoopingCall
 * (`start(now=False)`), the first check runs one interval after start.
 */
export class ProxyFetch implements HealthMonitor {
  readonly name = 'ProxyFetch';
  private timer: NodeJS.Timeout | undefined;
  private active = false;
  private inFlight: (() => void) | undefined;

  constructor(
    private readonly target: MonitorTarget,
    private readonly report: MonitorReport,
    private readonly options: ProxyFetchOptions,
  ) {}

  start(): void {
    this.active = true;
    this.schedule();
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
    // A cancelled check reports nothing (pybal's `_fetchFailed` ignores CancelledError).
    this.inFlight?.();
  }

  private schedule(): void {
    if (!this.active) return;
    this.timer = setTimeout(() => void this.check(), this.options.intervalMs);
  }

  private async check(): Promise<void> {
    const failure = await this.fetch();
    if (!this.active) return;
    this.report(failure === undefined, failure);
    this.schedule();
  }

  /** undefined when the fetch succeeded, else why not. */
  private fetch(): Promise<string | undefined> {
    const expected = this.options.expectedStatus ?? 200;
    return new Promise((resolve) => {
      let settled = false;
      const done = (result: string | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.inFlight = undefined;
        resolve(result);
      };
      const req = request({
        host: this.target.address,
        port: this.target.port,
        path: this.options.path,
        method: 'GET',
        servername: this.options.publicName,
        headers: { Host: this.options.publicName, 'User-Agent': 'PyBal/lab' },
        rejectUnauthorized: false,
        agent: false,
      });
      const timer = setTimeout(() => {
        done(`Retrieving ${this.options.path} from ${this.target.address}:${this.target.port} took longer than ${this.options.timeoutMs} ms`);
        req.destroy();
      }, this.options.timeoutMs);
      this.inFlight = () => {
        req.destroy();
        done(undefined);
      };
      req.on('response', (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        // The body must arrive too: pybal's getPage fails on a truncated download.
        response.on('end', () => done(status === expected ? undefined : `${status} ${response.statusMessage ?? ''}`.trim()));
        response.on('error', (error) => done(error.message));
      });
      req.on('error', (error) => done(error.message));
      req.end();
    });
  }
}
