import { connect, type Socket } from 'node:net';
import type { HealthMonitor, MonitorReport, MonitorTarget } from './health-monitor.js';

export interface IdleConnectionOptions {
  /** pybal: `timeout-clean-reconnect` 3 s; the lab passes its check timeout. */
  cleanReconnectTimeoutMs: number;
  /** First retry delay after a failure; grows ×2 up to maxDelayMs (twisted's ReconnectingClientFactory, scaled down). */
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * pybal's IdleConnection (pybal/monitors/idleconnection.py): hold an idle TCP connection open to the
 * real server. Connected = up. Closed cleanly (e.g. an idle timeout) = reconnect at once within
 * the clean-reconnect timeout, down only if that fails. Closed uncleanly or refused = down at once,
 * then retry with a growing delay. TCP keepalive on, as pybal sets it.
 */
export class IdleConnection implements HealthMonitor {
  readonly name = 'IdleConnection';
  private socket: Socket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private active = false;

  constructor(
    private readonly target: MonitorTarget,
    private readonly report: MonitorReport,
    private readonly options: IdleConnectionOptions,
  ) {
    this.delayMs = options.initialDelayMs;
  }

  start(): void {
    this.active = true;
    this.connect();
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.retryTimer);
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connect(timeoutMs?: number): void {
    if (!this.active) return;
    const socket = connect({ host: this.target.address, port: this.target.port });
    this.socket = socket;
    let established = false;
    let failure: string | undefined;
    if (timeoutMs !== undefined) {
      socket.setTimeout(timeoutMs, () => {
        if (!established) socket.destroy(new Error(`connection to ${this.target.address}:${this.target.port} timed out`));
      });
    }
    socket.on('connect', () => {
      established = true;
      socket.setTimeout(0);
      socket.setKeepAlive(true, 10_000);
      if (!this.active) return;
      this.delayMs = this.options.initialDelayMs;
      this.report(true);
    });
    // Anything the server sends is ignored, as twisted's bare Protocol does.
    socket.on('data', () => undefined);
    socket.on('error', (error) => {
      failure = error.message;
    });
    socket.on('close', (hadError) => {
      if (!this.active || this.socket !== socket) return;
      this.socket = undefined;
      if (established && !hadError) {
        // Lost cleanly: maybe an idle timeout; try a fast reconnect before calling it down.
        this.connect(this.options.cleanReconnectTimeoutMs);
        return;
      }
      this.report(false, failure ?? `connection to ${this.target.address}:${this.target.port} ${established ? 'lost' : 'failed'}`);
      this.retry();
    });
  }

  private retry(): void {
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.options.maxDelayMs);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
