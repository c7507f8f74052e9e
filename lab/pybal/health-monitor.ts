/** A health check of one server, as pybal's MonitoringProtocol subclasses are (pybal/monitor.py). */
export interface HealthMonitor {
  /** pybal's monitor name, the `monitor` label of pybal_monitor_status: 'ProxyFetch', 'IdleConnection'. */
  readonly name: string;
  start(): void;
  stop(): void;
}

/** Where a monitor checks: the real server's own address and the pool's port, never the VIP. */
export interface MonitorTarget {
  host: string;
  address: string;
  port: number;
}

/** A monitor's result, every check: the coordinator decides what is a transition. */
export type MonitorReport = (up: boolean, reason?: string) => void;

export type MonitorFactory = (target: MonitorTarget, report: (monitor: string) => MonitorReport) => HealthMonitor[];
