/**
 * The lab's stand-in tools (lab/bin) driven by the bot's real adapters, against a control server
 * that speaks lab/control-api.ts. cumin's output is checked against the captures of the real
 * cumin 4.2.0 in ../shared/reference/cumin-transcripts.md. For helmfile, kubectl and the
 * restart-pybal cookbook no capture of the real tools exists: their output follows the tools'
 * sources (helmfile + helm-diff, kubectl's rollout_status.go and the API's JSON, spicerack's
 * _menu.py/_log.py and operations-cookbooks' restart-pybal.py), as lab/stand-ins/*-output.ts say.
 */
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCommandRunner } from '../../adapters/command-runner.js';
import { createHelmfileDeployer } from '../../adapters/helm/helmfile-deployer.js';
import { helmSettingsSchema } from '../../adapters/helm/settings.js';
import { productionSettingsSchema } from '../../adapters/production/settings.js';
import { createCuminPuppetRunner } from '../../adapters/puppet/cumin-puppet-runner.js';
import type { PuppetOutcome, PuppetRunner } from '../../adapters/puppet/puppet-runner.js';
import { puppetSettingsSchema } from '../../adapters/puppet/settings.js';
import { isCutoverError } from '../../core/errors.js';
import { LAB_BIN } from '../../lab/stand-ins/bin-dir.js';
import { startFakeLab, type FakeLab } from '../helpers/fake-bin-lab.js';
import { KARTOTHERIAN_PUPPET, KARTOTHERIAN_RELEASE } from '../helpers/kartotherian-settings.js';

const REASON = 'maps: nginx listen 6543 - alice@cumin1002 - T378944';
const ENVOY_6543 = 'Profile::Maps::Tlsproxy/Profile::Tlsproxy::Envoy[kartotherian-6543]/File[/etc/envoy/listeners.d/00-tls_terminator_6543.yaml]/ensure';
const FERM_6543 = "Ferm/Ferm::Service[kartotherian-6543]/File[/etc/ferm/conf.d/10_kartotherian-6543]/ensure: defined content as '{md5}9a8b7c6d'";

let lab: FakeLab;

beforeEach(async () => {
  lab = await startFakeLab();
});

afterEach(async () => {
  await lab.close();
});

function puppet(runSeconds = 20): PuppetRunner {
  // sudo on, as in production: the lab's bin directory has a sudo that runs the rest as is.
  const settings = puppetSettingsSchema.parse({ ...KARTOTHERIAN_PUPPET, host: { kind: 'local' }, sudo: true, timeouts: { run_seconds: runSeconds, grace_seconds: 10 } });
  return createCuminPuppetRunner({ runner: createCommandRunner(settings.host), settings, env: lab.env });
}

function report<T>(outcome: PuppetOutcome<{ report: T }>): T {
  if (outcome.dryRun) throw new Error('expected a real run');
  return outcome.report;
}

async function tool(name: string, args: string[], env: Record<string, string> = lab.env): Promise<{ exitCode: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const result = await execa(name, args, { env, extendEnv: false, reject: false, cwd: lab.dir, timeout: 20_000, stripFinalNewline: false });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), ms: Date.now() - started };
}

describe('cumin', () => {
  it('runs puppet on an alias in batches through the control API and the real runner reads every host', async () => {
    lab.world.puppet['maps1005.eqiad.wmnet'] = [ENVOY_6543, FERM_6543];
    lab.world.puppet['maps1006.eqiad.wmnet'] = [ENVOY_6543, FERM_6543];
    const run = report(await puppet().runPuppet({ selector: 'A:maps-eqiad', batchSize: 2, reason: REASON }));
    expect(run.ok).toBe(true);
    expect(run.hosts.map((host) => [host.host, host.status, host.changedResources])).toEqual([
      ['maps1005.eqiad.wmnet', 'changed', 2],
      ['maps1006.eqiad.wmnet', 'changed', 2],
      ['maps1007.eqiad.wmnet', 'no-change', 0],
    ]);
    expect(lab.requests.filter((line) => line.startsWith('POST /puppet/run')).sort()).toEqual(['maps1005', 'maps1006', 'maps1007'].map((name) => `POST /puppet/run ${name}.eqiad.wmnet`));
  });

  it('stops after a batch where the lab says a run failed, as cumin does below its threshold', async () => {
    lab.world.puppet['maps1005.eqiad.wmnet'] = { status: 500, error: 'Could not retrieve catalog from remote server: Error 500 on SERVER' };
    const run = report(await puppet().runPuppet({ selector: 'A:maps-eqiad', batchSize: 1, reason: REASON }));
    expect(run).toMatchObject({ ok: false, exitCode: 2 });
    expect(run.hosts.map((host) => host.status)).toEqual(['failed', 'not-run', 'not-run']);
    expect(run.hosts[0]?.detail).toMatch(/Error 500 on SERVER/);
  });

  it('reports a host whose run outlasts cumin -t as timed out, the others as done', async () => {
    lab.world.puppetDelayMs['maps1007.eqiad.wmnet'] = 4000;
    const run = report(await puppet(2).runPuppet({ selector: 'A:maps-eqiad', batchSize: 3, reason: REASON }));
    expect(run).toMatchObject({ ok: false, exitCode: 2 });
    expect(run.hosts.map((host) => [host.host, host.status])).toEqual([
      ['maps1005.eqiad.wmnet', 'no-change'],
      ['maps1006.eqiad.wmnet', 'no-change'],
      ['maps1007.eqiad.wmnet', 'failed'],
    ]);
    expect(run.hosts[2]?.detail).toBe('timed out (cumin -t 2 s)');
  });

  it('frames its report as the real cumin 4.2.0 does (cumin-transcripts.md §1, §3, §6), colours included', async () => {
    const many = await tool('cumin', ['-b', '2', '--force', 'A:maps-eqiad', 'run-puppet-agent']);
    expect(many.exitCode).toBe(0);
    expect(many.stderr).toContain('\u001b[33m3 hosts will be targeted:\u001b[39m\n\u001b[33m\u001b[36mmaps[1005-1007].eqiad.wmnet\u001b[39m\u001b[39m\n\u001b[33mFORCE mode enabled, continuing without confirmation\u001b[39m\n');
    expect(many.stderr).toContain("\u001b[32m100.0% (3/3) success ratio (>= 100.0% threshold) for command: 'run-puppet-agent'.\u001b[39m\n");
    expect(many.stderr).toContain('\u001b[32m100.0% (3/3) success ratio (>= 100.0% threshold) of nodes successfully executed all commands.\u001b[39m\n');
    // Each host's agent names the host ("Caching catalog for …"), so no two outputs are alike and each is its own group.
    // A batch's hosts report in the order they finish, as in cumin.
    // eslint-disable-next-line no-control-regex -- the colour escapes are what is being checked
    expect(many.stdout).toMatch(/^\u001b\[34m===== NODE GROUP =====\u001b\[39m\n\u001b\[36m\(1\) maps100[5-7]\.eqiad\.wmnet\u001b\[39m\n\u001b\[34m----- OUTPUT of 'run-puppet-agent' -----\u001b\[39m\nInfo: /);
    expect(many.stdout.endsWith('\u001b[34m================\u001b[39m\n')).toBe(true);
    const one = await tool('cumin', ['--force', 'D{maps1005.eqiad.wmnet}', 'run-puppet-agent']);
    expect(one.stdout.split('\n')[0]).toBe("\u001b[34m----- OUTPUT of 'run-puppet-agent' -----\u001b[39m");
    const unknown = await tool('cumin', ['--force', 'A:nonexistent', 'run-puppet-agent']);
    expect(unknown).toMatchObject({ exitCode: 99, stdout: '', stderr: "\u001b[33mCaught InvalidQueryError exception: Unable to find alias replacement for 'nonexistent' in the configuration\u001b[39m\n" });
  });

  it('disables and enables puppet with a reason, and a run on a disabled host says so', async () => {
    const runner = puppet();
    const disabled = report(await runner.disablePuppet({ selector: 'maps1006.eqiad.wmnet', reason: REASON }));
    expect(disabled.ok).toBe(true);
    const run = report(await runner.runPuppet({ selector: 'maps1006.eqiad.wmnet', batchSize: 1, reason: 'another run' }));
    expect(run.hosts[0]).toMatchObject({ status: 'failed', detail: `puppet is disabled: ${REASON}` });
    expect(report(await runner.enablePuppet({ selector: 'maps1006.eqiad.wmnet', reason: REASON })).ok).toBe(true);
    expect(report(await runner.runPuppet({ selector: 'maps1006.eqiad.wmnet', batchSize: 1, reason: REASON })).ok).toBe(true);
  });
});

describe('helmfile and kubectl', () => {
  it('diffs, applies and waits for the rollout of a release the lab has not deployed yet', async () => {
    const settings = helmSettingsSchema.parse({ ...KARTOTHERIAN_RELEASE, host: { kind: 'local' }, release_dir: lab.dir, environments: { eqiad: { datacenter: 'eqiad', kube_context: 'eqiad' } } });
    const helm = createHelmfileDeployer({ runner: createCommandRunner(settings.host), settings, env: lab.env });
    const diff = await helm.diff({ env: 'eqiad' });
    if (diff.dryRun) throw new Error('not a dry run');
    expect(diff.diff.changed).toBe(true);
    expect(diff.diff.channelSummary).toMatch(/^3 objects change: Deployment\/kartotherian-main \(new\), ConfigMap\/config-main \(new\), Service\/kartotherian-main-tls-service \(new\)/);
    const apply = await helm.apply({ env: 'eqiad', reason: 'wikikube workers for T386926' });
    if (apply.dryRun) throw new Error('not a dry run');
    expect(apply.apply).toMatchObject({ ok: true, exitCode: 0 });
    expect(apply.apply.tail).toContain('UPDATED RELEASES:');
    const status = await helm.rolloutStatus({ env: 'eqiad' });
    if (status.dryRun) throw new Error('not a dry run');
    expect(status.status).toMatchObject({ rolledOut: true, desired: 2, ready: 2, notReady: [], deployment: 'kartotherian-main' });
    const again = await helm.diff({ env: 'eqiad' });
    expect(again.dryRun === false && again.diff.changed).toBe(false);
    expect(lab.requests.filter((line) => line.startsWith('POST /helm/apply'))).toEqual(['POST /helm/apply eqiad']);
  });

  it('kubectl says the deployment does not exist before the first apply', async () => {
    const result = await tool('kubectl', ['--context', 'eqiad', '-n', 'kartotherian', 'get', 'deployment/kartotherian-main', '-o', 'json']);
    expect(result).toMatchObject({ exitCode: 1, stderr: 'Error from server (NotFound): deployments.apps "kartotherian-main" not found\n' });
  });
});

describe('the restart-pybal cookbook', () => {
  it('runs with the argv production settings default to and prints spicerack START/END lines', async () => {
    const argv = productionSettingsSchema.shape.pybal_restart.parse({ order: { eqiad: ['lvs1020.eqiad.wmnet'] } }).argv.map((word) => word.replaceAll('{host}', 'lvs1020.eqiad.wmnet').replaceAll('{reason}', REASON));
    const result = await createCommandRunner({ kind: 'local' }).run({ argv: argv as [string, ...string[]], timeoutMs: 20_000, env: lab.env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr.split('\n')).toEqual([
      'START - Cookbook sre.loadbalancer.restart-pybal rolling-restart of pybal on P{lvs1020.eqiad.wmnet}',
      'Running action: restart_daemons on hosts lvs1020.eqiad.wmnet',
      'Checking BGP sessions on lvs1020.eqiad.wmnet',
      'All restart_daemons were successful',
      'END (PASS) - Cookbook sre.loadbalancer.restart-pybal (exit_code=0) rolling-restart of pybal on P{lvs1020.eqiad.wmnet}',
    ]);
    expect(lab.requests).toEqual(['POST /pybal/restart lvs1020.eqiad.wmnet']);
  });

  it('fails with END (FAIL) when the lab refuses the restart', async () => {
    delete lab.world.pools['lvs1019.eqiad.wmnet'];
    const result = await tool('cookbook', ['sre.loadbalancer.restart-pybal', '--query', 'P{lvs1019.eqiad.wmnet}', '--reason', REASON]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('received the following error while performing restart_daemons: the lab refused POST /pybal/restart (HTTP 400): lvs1019.eqiad.wmnet is not an LVS host');
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^END \(FAIL\) - Cookbook sre.loadbalancer.restart-pybal \(exit_code=1\)/);
  });
});

describe('when the lab is not there', () => {
  it('every stand-in exits non-zero and says it cannot reach the control API', async () => {
    await lab.stop();
    const runs = await Promise.all([
      tool('cumin', ['--force', 'A:maps-eqiad', 'run-puppet-agent']),
      tool('helmfile', ['-e', 'eqiad', 'diff']),
      tool('kubectl', ['--context', 'eqiad', '-n', 'kartotherian', 'get', 'pods', '-l', 'app=kartotherian,release=main', '-o', 'json']),
    ]);
    for (const [index, name] of ['cumin', 'helmfile', 'kubectl'].entries()) {
      expect(runs[index]?.exitCode).not.toBe(0);
      expect(runs[index]?.stderr).toMatch(new RegExp(`^${name}: cannot reach the lab's control API at http://127\\.0\\.0\\.1:\\d+ \\(.*\\); is the lab running\\?`, 'm'));
    }
  });

  it('the real runner turns it into an adapter failure carrying that message', async () => {
    const runner = puppet();
    await lab.stop();
    const error = await runner.runPuppet({ selector: 'A:maps-eqiad', batchSize: 1, reason: REASON }).catch((caught: unknown) => caught);
    expect(isCutoverError(error, 'adapter.command-failed')).toBe(true);
    expect((error as Error).message).toMatch(/exited 99: .*cumin: cannot reach the lab's control API/);
  });

  it('says which variable is missing when run outside the lab, and starts in well under a second', async () => {
    const bare = { PATH: [LAB_BIN, ...lab.env['PATH']!.split(':').slice(1)].join(':') };
    const result = await tool('kubectl', ['--context', 'eqiad', 'get', 'pods', '-o', 'json'], bare);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^kubectl: CUTOVER_LAB_URL is not set: start the lab/);
    // Measured at about 0.5 s on two idle cores (tsx ~0.35 s, zod ~0.15 s); generous here for a busy CI.
    expect(result.ms).toBeLessThan(3000);
  });
});
