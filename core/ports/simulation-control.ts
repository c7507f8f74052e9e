/** Fault injection on the simulated fleet; absent with production backends. */
export interface SimulationControl {
  show(): Promise<string>;
  clear(): Promise<string>;
  breakHosts(fqdns: readonly string[]): Promise<string>;
  /** Hosts whose TLS certificate lacks the public name: pybal's checks pass, real requests fail. */
  wrongCert(fqdns: readonly string[]): Promise<string>;
  slowUnderLoad(shareAbove: number, p99Seconds: number): Promise<string>;
  noMetrics(on: boolean): Promise<string>;
  hang(adapter: string): Promise<string>;
  /** Someone outside the bot repools a host, as a k8s cookbook would. */
  outsideRepool(fqdn: string, lvsService: string): Promise<string>;
}
