import { describe, expect, it } from 'vitest';
import { formatDiffSummary, parseHelmDiff, splitImage } from '../../adapters/helm/diff-summary.js';

/**
 * What `helmfile -e eqiad diff --suppress-secrets --context 3` prints for the 2025-02 capacity
 * bump: replicas 10 → 20, a new image, a config change, and (the dangerous part) a NodePort
 * that moves. helm-diff's format: "<ns>, <name>, <Kind> (<group>) has changed:", then lines
 * prefixed "- ", "+ " or "  ", "..." for skipped lines.
 */
const FIXTURE = `Comparing release=main, chart=wmf-stable/kartotherian, namespace=kartotherian
kartotherian, kartotherian-main, Deployment (apps) has changed:
  # Source: kartotherian/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
...
    matchLabels:
      app: kartotherian
      release: main
-   replicas: 10
+   replicas: 20
  template:
    metadata:
      annotations:
-       checksum/config: 5c1d0e4b9a7f
+       checksum/config: 77aa01bc3e2d
...
        - name: kartotherian-main
-         image: docker-registry.discovery.wmnet/repos/maps/kartotherian:2025-01-08-101500-production
+         image: docker-registry.discovery.wmnet/repos/maps/kartotherian:2025-02-10-090000-production
          imagePullPolicy: IfNotPresent
          resources:
            requests:
...
        - name: kartotherian-main-tls-proxy
          image: docker-registry.discovery.wmnet/envoy:1.23.10-3
...

kartotherian, config-main, ConfigMap (v1) has changed:
...
  data:
    config.yaml: |-
-     num_workers: 8
+     num_workers: 12
      logging:
        level: warn

kartotherian, kartotherian-main-secret-config, Secret (v1) has changed:
  # Source: kartotherian/templates/secret.yaml
  apiVersion: v1
  kind: Secret
  metadata:
    name: kartotherian-main-secret-config
  data:
-   pgpass: '-------- # (16 bytes)'
+   pgpass: '++++++++ # (16 bytes)'
  type: Opaque

kartotherian, kartotherian-main-tls-service, Service (v1) has changed:
...
      protocol: TCP
      port: 6543
-     nodePort: 6543
+     nodePort: 30443

Affected releases are:
  main (wmf-stable/kartotherian) UPDATED
`;

describe('parseHelmDiff', () => {
  const summary = parseHelmDiff(FIXTURE);

  it('lists every changed object with its added and removed line counts', () => {
    expect(summary.objects).toEqual([
      { namespace: 'kartotherian', name: 'kartotherian-main', kind: 'Deployment', api: 'apps', change: 'changed', added: 3, removed: 3 },
      { namespace: 'kartotherian', name: 'config-main', kind: 'ConfigMap', api: 'v1', change: 'changed', added: 1, removed: 1 },
      { namespace: 'kartotherian', name: 'kartotherian-main-secret-config', kind: 'Secret', api: 'v1', change: 'changed', added: 1, removed: 1 },
      { namespace: 'kartotherian', name: 'kartotherian-main-tls-service', kind: 'Service', api: 'v1', change: 'changed', added: 1, removed: 1 },
    ]);
  });

  it('reads replicas, image tags and NodePorts before and after, ignoring unchanged context lines', () => {
    expect(summary.replicas).toEqual([{ object: 'Deployment/kartotherian-main', before: 10, after: 20 }]);
    // The envoy sidecar's image is only context: it does not change and is not reported.
    expect(summary.images).toEqual([
      {
        object: 'Deployment/kartotherian-main',
        repository: 'docker-registry.discovery.wmnet/repos/maps/kartotherian',
        before: '2025-01-08-101500-production',
        after: '2025-02-10-090000-production',
      },
    ]);
    expect(summary.nodePorts).toEqual([{ object: 'Service/kartotherian-main-tls-service', before: 6543, after: 30443 }]);
  });

  it('gives the channel one line, with the NodePort move flagged', () => {
    expect(formatDiffSummary(summary)).toBe(
      '4 objects change: Deployment/kartotherian-main (+3 −3), ConfigMap/config-main (+1 −1), Secret/kartotherian-main-secret-config (+1 −1), ' +
        'Service/kartotherian-main-tls-service (+1 −1); replicas 10 → 20; image kartotherian 2025-01-08-101500-production → 2025-02-10-090000-production; ' +
        '⚠ nodePort 6543 → 30443 on Service/kartotherian-main-tls-service',
    );
  });

  it('says "no changes" for an empty diff', () => {
    const empty = parseHelmDiff('');
    expect(empty).toEqual({ objects: [], replicas: [], images: [], nodePorts: [] });
    expect(formatDiffSummary(empty)).toBe('no changes');
  });

  it('reads added and removed objects, and colour codes do not get in the way', () => {
    const text = [
      '\u001b[33mkartotherian, kartotherian-main-canary, Deployment (apps) has been added:\u001b[0m',
      '\u001b[32m+ # Source: kartotherian/templates/deployment.yaml\u001b[0m',
      '\u001b[32m+ kind: Deployment\u001b[0m',
      '\u001b[32m+ spec:\u001b[0m',
      '\u001b[32m+   replicas: 1\u001b[0m',
      '',
      'kartotherian, kartotherian-old, Service (v1) has been removed:',
      '- kind: Service',
      '-   nodePort: 6533',
      '',
    ].join('\n');
    const parsed = parseHelmDiff(text);
    expect(parsed.objects.map((object) => [object.kind, object.name, object.change, object.added, object.removed])).toEqual([
      ['Deployment', 'kartotherian-main-canary', 'added', 4, 0],
      ['Service', 'kartotherian-old', 'removed', 0, 2],
    ]);
    expect(parsed.replicas).toEqual([{ object: 'Deployment/kartotherian-main-canary', before: null, after: 1 }]);
    expect(formatDiffSummary(parsed)).toBe(
      '2 objects change: Deployment/kartotherian-main-canary (new), Service/kartotherian-old (removed); replicas ∅ → 1; ⚠ nodePort 6533 → ∅ on Service/kartotherian-old',
    );
  });

  it('keeps lines after the last object (helmfile log lines) out of the counts', () => {
    const text = 'kartotherian, config-main, ConfigMap (v1) has changed:\n-   a: 1\n+   a: 2\nUPDATED RELEASES:\n- not a diff line\n';
    expect(parseHelmDiff(text).objects[0]).toMatchObject({ added: 1, removed: 1 });
  });

  it('does not let names from the diff carry chat formatting', () => {
    const text = 'kartotherian, evil\u0007<!channel>, ConfigMap (v1) has changed:\n- a\n+ b\n';
    expect(formatDiffSummary(parseHelmDiff(text))).not.toMatch(/[<>]|\p{Cc}/u);
  });
});

describe('splitImage', () => {
  it.each([
    ['docker-registry.discovery.wmnet/envoy:1.23.10-3', 'docker-registry.discovery.wmnet/envoy', '1.23.10-3'],
    ['registry.local:5000/kartotherian', 'registry.local:5000/kartotherian', 'latest'],
    ['registry.local:5000/kartotherian:v2', 'registry.local:5000/kartotherian', 'v2'],
    ['repo/kartotherian@sha256:abcd', 'repo/kartotherian', 'sha256:abcd'],
  ])('%s', (reference, repository, tag) => {
    expect(splitImage(reference)).toEqual({ repository, tag });
  });
});
