import { describe, expect, it } from 'vitest';
import type { PuppetRunReport, PuppetToggleReport } from '../../adapters/puppet/puppet-runner.js';
import { formatPuppetRun, formatPuppetToggle } from '../../adapters/puppet/puppet-summary.js';

describe('formatPuppetRun', () => {
  it('counts hosts per outcome, folded, and says why failures failed', () => {
    const report: PuppetRunReport = {
      command: 'cumin ...',
      query: 'A:maps-eqiad',
      reason: 'x - alice@cumin1002',
      exitCode: 2,
      ok: false,
      durationMs: 1,
      hosts: [
        { host: 'maps1005.eqiad.wmnet', status: 'no-change', changedResources: 0, detail: 'no changes' },
        { host: 'maps1006.eqiad.wmnet', status: 'changed', changedResources: 3, detail: '3 resources changed' },
        { host: 'maps1007.eqiad.wmnet', status: 'changed', changedResources: 1, detail: '1 resource changed' },
        { host: 'maps1008.eqiad.wmnet', status: 'failed', changedResources: 0, detail: 'Could not retrieve catalog from remote server' },
        { host: 'maps1009.eqiad.wmnet', status: 'not-run', changedResources: 0, detail: 'not run' },
      ],
    };
    expect(formatPuppetRun(report)).toBe(
      'puppet on A:maps-eqiad: ❌ 2 changed (maps[1006-1007]), 1 no change (maps1005), 1 failed (maps1008), 1 not run (maps1009) — maps1008: Could not retrieve catalog from remote server',
    );
  });
});

describe('formatPuppetToggle', () => {
  it('says where it worked and where it did not', () => {
    const report: PuppetToggleReport = {
      command: 'cumin ...',
      query: 'maps100[5-6].eqiad.wmnet',
      action: 'enable',
      reason: 'x - alice@cumin1002',
      exitCode: 2,
      ok: false,
      durationMs: 1,
      hosts: [
        { host: 'maps1005.eqiad.wmnet', ok: false, detail: 'enable-puppet refused' },
        { host: 'maps1006.eqiad.wmnet', ok: true, detail: 'puppet enabled' },
      ],
    };
    expect(formatPuppetToggle(report)).toBe('puppet enabled on 1/2 of maps100[5-6].eqiad.wmnet (maps1006) — failed: maps1005: enable-puppet refused');
  });
});
