import type { Reading } from '../plan/analysis.js';

/** Real requests to one target (the VIP, or one worker on its own IP), counted. */
export interface ProbeTally {
  ok: number;
  total: number;
  /**
   * What the failed ones got, counted, in the prober's words (`failureLabel`), e.g. ["503 ×3"],
   * ["names ×2"] (the certificate lacks an expected name), ["timeout ×1"].
   */
  failures: string[];
}

/**
 * What real requests, with the public Host and SNI, found for a pool's workers right now: the
 * VIP, each worker on its own IP, and the k8s metrics beside them. Numbers, not a verdict: the
 * policy and the guard decide what they mean.
 */
export interface RealTrafficReport {
  dc: string;
  lvsService: string;
  vip: ProbeTally;
  /** By worker FQDN, for every worker asked about. */
  workers: ReadonlyMap<string, ProbeTally>;
  k8s: { requestRate: Reading; errorRatio: Reading };
}

/** Cheap enough to run every few seconds for every pooled worker (the guard does). */
export interface RealTrafficProber {
  probeWorkers(args: { dc: string; lvsService: string; workers: readonly string[]; attempts: number }): Promise<RealTrafficReport>;
}
