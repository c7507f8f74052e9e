/**
 * The simulated helmfile's diff (adapters/simulated/simulated-helm-diff.ts): helm-diff's layout,
 * read by the production parser, so a rehearsal's helm request reads like a real one.
 */
import { describe, expect, it } from 'vitest';
import { simulatedHelmDiff } from '../../adapters/simulated/simulated-helm-diff.js';

const RELEASE = { namespace: 'kartotherian', deployment: 'kartotherian-main', nodePort: 6543 };
const CHART = { replicas: 10, image: 'kartotherian-main:simulated' };

describe('the simulated helm diff', () => {
  it('a release not yet deployed: the Deployment and its NodePort Service are added', () => {
    const diff = simulatedHelmDiff(RELEASE, undefined, CHART);
    expect(diff).toMatchObject({ ok: true, changed: true });
    expect(diff.summary).toBe('2 objects change: Deployment/kartotherian-main (new), Service/kartotherian-main-tls-service (new); replicas ∅ → 10; image kartotherian-main ∅ → simulated; ⚠ nodePort ∅ → 6543 on Service/kartotherian-main-tls-service');
  });

  it('a new image for the deployed release: one object changes, the tag before and after', () => {
    const diff = simulatedHelmDiff(RELEASE, CHART, { ...CHART, image: 'kartotherian-main:2024-12-01' });
    expect(diff.summary).toBe('1 object change: Deployment/kartotherian-main (+1 −1); image kartotherian-main simulated → 2024-12-01');
    expect(diff.text).toContain('-           image: kartotherian-main:simulated\n+           image: kartotherian-main:2024-12-01');
  });

  it('the chart as deployed: no changes, and no text', () => {
    expect(simulatedHelmDiff(RELEASE, CHART, CHART)).toEqual({ ok: true, changed: false, summary: 'no changes', text: '' });
  });
});
