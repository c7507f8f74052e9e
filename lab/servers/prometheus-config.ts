import { stringify } from 'yaml';

export interface ScrapeTarget {
  job: string;
  address: string;
  metricsPath: string;
  /** Target labels, the way WMF's Prometheus adds site, cluster and prometheus. */
  labels: Readonly<Record<string, string>>;
}

/**
 * One scrape config per job (Prometheus refuses a job name twice), one static config per target so
 * each keeps its own labels. A job's targets share its metrics path.
 */
export function prometheusConfig(targets: readonly ScrapeTarget[], scrapeIntervalSeconds: number): string {
  const jobs = new Map<string, { metricsPath: string; targets: ScrapeTarget[] }>();
  for (const target of targets) {
    const job = jobs.get(target.job) ?? { metricsPath: target.metricsPath, targets: [] };
    if (job.metricsPath !== target.metricsPath) throw new Error(`job ${target.job} has targets on two metrics paths (${job.metricsPath}, ${target.metricsPath}): give them two jobs`);
    job.targets.push(target);
    jobs.set(target.job, job);
  }
  return stringify({
    global: { scrape_interval: `${scrapeIntervalSeconds}s`, scrape_timeout: `${Math.max(scrapeIntervalSeconds * 1000 - 200, 100)}ms`, evaluation_interval: '15s' },
    scrape_configs: [...jobs].map(([name, job]) => ({
      job_name: name,
      metrics_path: job.metricsPath,
      static_configs: job.targets.map((target) => ({ targets: [target.address], labels: { ...target.labels } })),
    })),
  });
}
