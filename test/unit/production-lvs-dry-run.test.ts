/**
 * The LVS step in dry-run mode (adapters/production/production-effects.ts): puppet on the LVS
 * hosts is only shown, and so is the pybal restart cookbook, which has no dry-run of its own.
 * Before, a dry run showed the puppet run and then restarted pybal for real.
 */
import { describe, expect, it } from 'vitest';
import type { CommandResult, CommandRunner, CommandSpec } from '../../adapters/command-runner.js';
import { ProductionEffects } from '../../adapters/production/production-effects.js';
import { productionSettingsSchema } from '../../adapters/production/settings.js';
import type { PuppetRunner } from '../../adapters/puppet/puppet-runner.js';
import { Inventory } from '../../core/inventory.js';
import { loadShippedConfig } from '../helpers/config.js';

const config = await loadShippedConfig();

/** A cumin runner in dry-run mode: it answers with the command it would run, and runs nothing. */
const dryPuppet: PuppetRunner = {
  runPuppet: async ({ selector }) => ({ dryRun: true, commands: [`sudo -n cumin --force '${selector}' 'run-puppet-agent'`] }),
  disablePuppet: async ({ selector }) => ({ dryRun: true, commands: [`disable-puppet on ${selector}`] }),
  enablePuppet: async ({ selector }) => ({ dryRun: true, commands: [`enable-puppet on ${selector}`] }),
};

class RecordingRunner implements CommandRunner {
  readonly ran: CommandSpec['argv'][] = [];

  describe(spec: CommandSpec): string {
    return spec.argv.join(' ');
  }

  async run(spec: CommandSpec): Promise<CommandResult> {
    this.ran.push(spec.argv);
    return { shown: this.describe(spec), exitCode: 0, stdout: '', stderr: '', durationMs: 0 };
  }
}

describe('the LVS step in dry-run mode', () => {
  it('restarts no pybal: it says what it would run, secondary first', async () => {
    const service = config.services['kartotherian'];
    if (service === undefined) throw new Error('the shipped config lost kartotherian');
    const cookbooks = new RecordingRunner();
    const unused = async (): Promise<never> => {
      throw new Error('a dry run of the LVS step reads nothing else');
    };
    const effects = new ProductionEffects({
      inventory: new Inventory('kartotherian', service),
      settings: productionSettingsSchema.parse({
        probes: { public_url: 'https://maps.wikimedia.org/osm-intl/6/23/24.png', expected_names: ['maps.wikimedia.org'], vips: { eqiad: '10.2.2.13' } },
        pybal_restart: { order: { eqiad: ['lvs1020.eqiad.wmnet', 'lvs1019.eqiad.wmnet'] } },
      }),
      prober: { kind: 'none', probeTls: unused, probeHttp: unused },
      health: { groupHealth: unused, serviceHealth: unused, lvsConnections: unused, describeGroup: () => [] },
      puppet: dryPuppet,
      helm: { diff: unused, apply: unused, rolloutStatus: unused, nodePorts: () => ({ tls: 6543 }) },
      pybal: { readPool: unused, confirmApplied: unused },
      cookbooks,
    });

    const outcome = await effects.applyLvsService({ dc: 'eqiad', lvsService: 'kartotherian-k8s-ssl', applies: '', reason: 'T378944' });

    expect(cookbooks.ran).toEqual([]);
    expect(outcome.ok).toBe(true);
    expect(outcome.summary).toMatch(/^dry-run: sudo -n cumin --force 'lvs1020\.eqiad\.wmnet' 'run-puppet-agent' ; sudo -n cookbook sre\.loadbalancer\.restart-pybal .*lvs1020.* ; .*lvs1019/);
  });
});
