/**
 * The lab's release record (GET /helm/release) as the chart values and names the helm and kube
 * output is printed from. `chart` is read as `helm list` shows it, `<name>-<version>`
 * (kartotherian-1.4.2), optionally after a repository (wmf-stable/…).
 */
import { createHash } from 'node:crypto';
import type * as z from 'zod';
import type { helmRelease } from '../control-api.js';
import type { ChartValues, ReleaseNames } from './helm-output.js';

export type LabRelease = z.infer<typeof helmRelease>;

export function chartParts(chart: string): { app: string; version: string } {
  const name = chart.slice(chart.lastIndexOf('/') + 1);
  const match = /^(.+?)-(\d+\.\d+\.\d+[\w.+-]*)$/.exec(name);
  return match === null ? { app: name, version: '0.1.0' } : { app: match[1] ?? name, version: match[2] ?? '0.1.0' };
}

export function releaseNames(release: LabRelease, releaseName = 'main'): ReleaseNames {
  const { app } = chartParts(release.chart);
  return { namespace: app, release: releaseName, app, chart: `wmf-stable/${app}` };
}

export function releaseValues(release: LabRelease): ChartValues {
  const checksum = createHash('sha256').update(`${release.image}|${release.replicas}|${release.nodePort}`).digest('hex').slice(0, 12);
  return { replicas: release.replicas, image: release.image, configChecksum: checksum, numWorkers: 8, nodePort: release.nodePort, chartVersion: chartParts(release.chart).version };
}
