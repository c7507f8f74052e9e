import type { HelmDiffOutcome } from '../../core/ports/plan-effects.js';
import { formatDiffSummary, parseHelmDiff } from '../helm/diff-summary.js';

/** What the simulated chart renders, and what a simulated deploy leaves behind. */
export interface SimulatedChart {
  replicas: number;
  image: string;
}

export interface SimulatedRelease {
  namespace: string;
  /** The Deployment, `<app>-<release>`. */
  deployment: string;
  nodePort: number;
}

/**
 * helm-diff's output from what is deployed to what the chart renders, in the layout the
 * production parser reads (adapters/helm/diff-summary.ts), so the simulated step's request shows
 * the same kind of summary and the same whole diff as a real one.
 */
export function simulatedHelmDiff(release: SimulatedRelease, deployed: SimulatedChart | undefined, chart: SimulatedChart): HelmDiffOutcome {
  const text = diffText(release, deployed, chart);
  const summary = parseHelmDiff(text);
  return { ok: true, changed: summary.objects.length > 0, summary: formatDiffSummary(summary), text };
}

function diffText(release: SimulatedRelease, deployed: SimulatedChart | undefined, chart: SimulatedChart): string {
  const { namespace, deployment, nodePort } = release;
  const manifest = (values: SimulatedChart): string[] => [
    'kind: Deployment',
    'metadata:',
    `  name: ${deployment}`,
    'spec:',
    `  replicas: ${values.replicas}`,
    '  template:',
    '    spec:',
    '      containers:',
    `        - name: ${deployment}`,
    `          image: ${values.image}`,
  ];
  if (deployed === undefined) {
    const service = ['kind: Service', 'metadata:', `  name: ${deployment}-tls-service`, 'spec:', '  type: NodePort', '  ports:', `    - name: ${deployment}-https`, `      nodePort: ${nodePort}`];
    return [`${namespace}, ${deployment}, Deployment (apps) has been added:`, ...manifest(chart).map((line) => `+ ${line}`), '', `${namespace}, ${deployment}-tls-service, Service (v1) has been added:`, ...service.map((line) => `+ ${line}`), ''].join('\n');
  }
  const before = manifest(deployed);
  const after = manifest(chart);
  if (before.every((line, index) => line === after[index])) return '';
  const lines = before.flatMap((line, index) => (line === after[index] ? [`  ${line}`] : [`- ${line}`, `+ ${after[index] ?? ''}`]));
  return [`${namespace}, ${deployment}, Deployment (apps) has changed:`, ...lines, ''].join('\n');
}
