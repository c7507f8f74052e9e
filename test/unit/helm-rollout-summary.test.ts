import { describe, expect, it } from 'vitest';
import type { RolloutStatus } from '../../adapters/helm/helm-deployer.js';
import { formatRolloutStatus } from '../../adapters/helm/rollout-summary.js';

const base: RolloutStatus = {
  env: 'eqiad',
  namespace: 'kartotherian',
  deployment: 'kartotherian-main',
  rolledOut: true,
  message: 'deployment "kartotherian-main" successfully rolled out',
  desired: 20,
  updated: 20,
  ready: 20,
  notReady: [],
  terminating: 0,
};

describe('formatRolloutStatus', () => {
  it('is short when all is well', () => {
    expect(formatRolloutStatus(base)).toBe('eqiad kartotherian/kartotherian-main: 20/20 ready, 20 updated, rolled out');
  });

  it('names the first pods that are not ready and why', () => {
    const stuck: RolloutStatus = {
      ...base,
      rolledOut: false,
      message: 'error: timed out waiting for the condition',
      ready: 14,
      updated: 16,
      terminating: 2,
      notReady: [
        { pod: 'kartotherian-main-7f9-a', reason: 'CrashLoopBackOff (kartotherian-main)', restarts: 6 },
        { pod: 'kartotherian-main-7f9-b', reason: 'ImagePullBackOff (kartotherian-main)', restarts: 0 },
        { pod: 'kartotherian-main-7f9-c', reason: 'Unschedulable', restarts: 0 },
        { pod: 'kartotherian-main-7f9-d', reason: 'Unschedulable', restarts: 0 },
      ],
    };
    expect(formatRolloutStatus(stuck)).toBe(
      'eqiad kartotherian/kartotherian-main: 14/20 ready, 16 updated, not rolled out (error: timed out waiting for the condition); 2 terminating; ' +
        'not ready: kartotherian-main-7f9-a CrashLoopBackOff (kartotherian-main), 6 restarts; kartotherian-main-7f9-b ImagePullBackOff (kartotherian-main); ' +
        'kartotherian-main-7f9-c Unschedulable and 1 more',
    );
  });
});
