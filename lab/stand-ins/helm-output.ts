/**
 * What helmfile (with the helm-diff plugin) prints for `diff` and `apply` of one release, as the
 * bot's parser (adapters/helm/diff-summary.ts) reads it. No capture of a real run exists; the
 * layout follows helmfile's and helm-diff's sources (github:helmfile/helmfile pkg/app/app.go:
 * "Comparing release=…", "Upgrading release=…", "UPDATED RELEASES:"; github:databus23/helm-diff
 * diff/report.go: "<ns>, <name>, <Kind> (<group>) has changed:" with "- "/"+ "/"  " lines and
 * "..." for skipped context) and helm's own `helm upgrade` notes. Shared by the lab's stand-in
 * helmfile and the test fake.
 */

/** What the chart would render: the values the diff and the bot's summary look at. */
export interface ChartValues {
  replicas: number;
  /** Full image reference, registry/path/name:tag. */
  image: string;
  configChecksum: string;
  numWorkers: number;
  nodePort: number;
  chartVersion: string;
}

export interface ReleaseNames {
  namespace: string;
  release: string;
  /** The chart's `app` label; the Deployment is `<app>-<release>`. */
  app: string;
  /** e.g. wmf-stable/kartotherian */
  chart: string;
}

interface Manifest {
  header: string;
  lines: string[];
}

function manifests(names: ReleaseNames, values: ChartValues): Manifest[] {
  const { namespace: ns, release, app } = names;
  const name = `${app}-${release}`;
  return [
    {
      header: `${ns}, ${name}, Deployment (apps)`,
      lines: [
        `# Source: ${app}/templates/deployment.yaml`,
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        `  name: ${name}`,
        '  labels:',
        `    app: ${app}`,
        `    chart: ${app}-${values.chartVersion}`,
        `    release: ${release}`,
        '    heritage: Helm',
        'spec:',
        '  selector:',
        '    matchLabels:',
        `      app: ${app}`,
        `      release: ${release}`,
        `  replicas: ${values.replicas}`,
        '  template:',
        '    metadata:',
        '      annotations:',
        `        checksum/config: ${values.configChecksum}`,
        '    spec:',
        '      containers:',
        `        - name: ${name}`,
        `          image: ${values.image}`,
        '          imagePullPolicy: IfNotPresent',
        '          resources:',
        '            requests:',
        '              cpu: 5000m',
        '              memory: 3Gi',
        `        - name: ${name}-tls-proxy`,
        '          image: docker-registry.discovery.wmnet/envoy:1.23.10-3',
      ],
    },
    {
      header: `${ns}, config-${release}, ConfigMap (v1)`,
      lines: [`# Source: ${app}/templates/configmap.yaml`, 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: config-${release}`, 'data:', '  config.yaml: |-', `    num_workers: ${values.numWorkers}`, '    logging:', '      level: warn'],
    },
    {
      header: `${ns}, ${name}-tls-service, Service (v1)`,
      lines: [
        `# Source: ${app}/templates/service.yaml`,
        'apiVersion: v1',
        'kind: Service',
        'metadata:',
        `  name: ${name}-tls-service`,
        'spec:',
        '  type: NodePort',
        '  ports:',
        `    - name: ${name}-https`,
        '      protocol: TCP',
        '      port: 6543',
        `      nodePort: ${values.nodePort}`,
      ],
    },
  ];
}

/**
 * helm-diff's "diff" output from what is deployed (`before`, null when the release is not) to
 * what the chart renders: changed lines as "- "/"+ " pairs with `context` lines around them.
 * '' when nothing changes.
 */
export function helmDiffText(names: ReleaseNames, before: ChartValues | null, after: ChartValues, context = 3): string {
  const out: string[] = [];
  const next = manifests(names, after);
  if (before === null) {
    for (const object of next) out.push(`${object.header} has been added:`, ...object.lines.map((line) => `+ ${line}`), '');
    return out.join('\n');
  }
  manifests(names, before).forEach((object, index) => {
    const other = next[index]?.lines ?? [];
    const changed = object.lines.map((line, i) => line !== other[i]);
    if (!changed.some(Boolean)) return;
    out.push(`${object.header} has changed:`);
    let skipped = false;
    object.lines.forEach((line, i) => {
      const near = changed.some((isChanged, j) => isChanged && Math.abs(i - j) <= context);
      if (changed[i] === true) {
        out.push(`- ${line}`, `+ ${other[i] ?? ''}`);
        skipped = false;
      } else if (near) {
        out.push(`  ${line}`);
        skipped = false;
      } else if (!skipped) {
        out.push('...');
        skipped = true;
      }
    });
    out.push('');
  });
  return out.join('\n');
}

/** helmfile's stderr before a diff or apply: the chart repository, then which release it compares. */
export function helmfilePreamble(names: ReleaseNames): string {
  const repo = names.chart.split('/')[0] ?? names.chart;
  return `Adding repo ${repo} https://helm-charts.wikimedia.org/stable/\n"${repo}" has been added to your repositories\n\nComparing release=${names.release}, chart=${names.chart}, namespace=${names.namespace}\n`;
}

export const NO_AFFECTED_RELEASES = '\nNo affected releases\n';

export function upgradingLine(names: ReleaseNames): string {
  return `\nUpgrading release=${names.release}, chart=${names.chart}, namespace=${names.namespace}\n`;
}

/** `helm upgrade`'s notes and helmfile's summary after a successful apply. */
export function appliedText(names: ReleaseNames, values: ChartValues, revision: number, deployedAt = new Date('2025-01-15T12:00:00Z')): string {
  const { release, namespace: ns, chart, app } = names;
  const stamp = deployedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '.000000000 +0000 UTC');
  return [
    `Release "${release}" has been ${revision <= 1 ? 'installed' : 'upgraded'}. Happy Helming!`,
    `NAME: ${release}`,
    `LAST DEPLOYED: ${deployedAt.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (\S+) GMT$/, '$1 $3 $2 $5 $4')}`,
    `NAMESPACE: ${ns}`,
    'STATUS: deployed',
    `REVISION: ${revision}`,
    'TEST SUITE: None',
    '',
    `Listing releases matching ^${release}$`,
    `${release}\t${ns}\t${revision}\t${stamp}\tdeployed\t${app}-${values.chartVersion}`,
    '',
    'UPDATED RELEASES:',
    'NAME   NAMESPACE      CHART                     VERSION   DURATION',
    `${release}   ${ns}   ${chart}   ${values.chartVersion}        42s`,
    '',
  ].join('\n');
}

/** What helmfile prints when helm's upgrade failed (atomic: rolled back). */
export function failedApply(names: ReleaseNames, values: ChartValues, why: string): { stdout: string; stderr: string } {
  const { release, namespace: ns, chart } = names;
  return {
    stdout: `\nFAILED RELEASES:\nNAME   NAMESPACE      CHART                     VERSION   DURATION\n${release}   ${ns}   ${chart}   ${values.chartVersion}   10m0s\n`,
    stderr: [
      `Error: UPGRADE FAILED: release ${release} failed, and has been rolled back due to atomic being set: ${why}`,
      `in ./helmfile.yaml: failed processing release ${release}: command "/usr/bin/helm" exited with non-zero status:`,
      '',
      'PATH:',
      '  /usr/bin/helm',
      '',
      'ERROR:',
      '  exit status 1',
      '',
      'EXIT STATUS',
      '  1',
      '',
    ].join('\n'),
  };
}
