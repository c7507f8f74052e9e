import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCommandRunner, type CommandHost } from '../../adapters/command-runner.js';
import type { HelmDeployer } from '../../adapters/helm/helm-deployer.js';
import { createHelmfileDeployer } from '../../adapters/helm/helmfile-deployer.js';
import { helmSettingsSchema, type HelmSettings } from '../../adapters/helm/settings.js';
import { isCutoverError } from '../../core/errors.js';
import { createFakeBin, shellWords, type FakeBin } from '../helpers/fake-bin.js';
import { KARTOTHERIAN_RELEASE } from '../helpers/kartotherian-settings.js';

const SSH_HOST: CommandHost = { kind: 'ssh', host: 'deployment.eqiad.wmnet', ssh_options: ['-o', 'BatchMode=yes'] };
const DIFF_ARGV = ['-e', 'eqiad', '--no-color', 'diff', '--suppress-secrets', '--context', '3', '--detailed-exitcode'];
const APPLY_ARGV = ['-e', 'eqiad', '--no-color', 'apply', '--suppress-secrets', '--context', '3'];

let fake: FakeBin;

beforeEach(async () => {
  fake = await createFakeBin((state) => {
    state.helm.desired = { ...state.helm.desired, replicas: 20, imageTag: '2025-02-10-090000-production', numWorkers: 12, configChecksum: '77aa01bc3e2d' };
  });
});

afterEach(async () => {
  await fake.cleanup();
});

function settingsFor(host: CommandHost, overrides: Record<string, unknown> = {}): HelmSettings {
  return helmSettingsSchema.parse({
    ...KARTOTHERIAN_RELEASE,
    host,
    // The fakes run in a temp dir that exists, local or through the fake ssh.
    release_dir: fake.dir,
    environments: { staging: { kube_context: 'staging' }, eqiad: { datacenter: 'eqiad', kube_context: 'eqiad' } },
    ...overrides,
  });
}

function deployer(host: CommandHost = { kind: 'local' }, options: { dryRun?: boolean; settings?: Record<string, unknown>; env?: Record<string, string> } = {}): HelmDeployer {
  const settings = settingsFor(host, options.settings);
  return createHelmfileDeployer({ runner: createCommandRunner(settings.host), settings, env: { ...fake.env, ...options.env }, ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }) });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('diff', () => {
  it('runs helmfile diff in the release dir and summarizes it for the channel', async () => {
    const outcome = await deployer().diff({ env: 'eqiad' });
    expect(await fake.calls()).toEqual([{ tool: 'helmfile', argv: DIFF_ARGV, cwd: fake.dir, suppressSal: null }]);
    if (outcome.dryRun) throw new Error('not a dry run');
    expect(outcome.diff.changed).toBe(true);
    expect(outcome.diff.summary.replicas).toEqual([{ object: 'Deployment/kartotherian-main', before: 10, after: 20 }]);
    expect(outcome.diff.channelSummary).toBe(
      '2 objects change: Deployment/kartotherian-main (+3 −3), ConfigMap/config-main (+1 −1); replicas 10 → 20; image kartotherian 2025-01-08-101500-production → 2025-02-10-090000-production',
    );
    expect(outcome.diff.text).toContain('+   replicas: 20');
    expect(outcome.commands).toEqual([`(cd ${fake.dir}) helmfile ${DIFF_ARGV.join(' ')}`]);
  });

  it('says "no changes" when helmfile exits 0', async () => {
    await fake.updateState((state) => {
      state.helm.desired = { ...state.helm.environments['eqiad']! };
    });
    const outcome = await deployer().diff({ env: 'eqiad' });
    expect(outcome).toMatchObject({ dryRun: false, diff: { changed: false, channelSummary: 'no changes', text: '' } });
  });

  it('runs over ssh as one quoted remote command that parses back to the same words', async () => {
    const outcome = await deployer(SSH_HOST).diff({ env: 'eqiad' });
    const [ssh, helmfile] = await fake.calls();
    expect(ssh?.tool).toBe('ssh');
    expect(ssh?.argv.slice(0, 4)).toEqual(['-o', 'BatchMode=yes', 'deployment.eqiad.wmnet', '--']);
    const remote = ssh?.argv[4] ?? '';
    expect(remote).toBe(`cd ${fake.dir} && helmfile ${DIFF_ARGV.join(' ')}`);
    expect(shellWords(remote.slice(remote.indexOf('&& ') + 3))).toEqual(['helmfile', ...DIFF_ARGV]);
    expect(helmfile).toEqual({ tool: 'helmfile', argv: DIFF_ARGV, cwd: fake.dir, suppressSal: null });
    expect(outcome).toMatchObject({ dryRun: false, diff: { changed: true } });
  });

  it('fails with the command, exit code and stderr when helmfile cannot reach the cluster', async () => {
    await fake.fault('helmfile diff', { mode: 'fail' });
    const error = await rejection(deployer().diff({ env: 'eqiad' }));
    expect(isCutoverError(error, 'adapter.command-failed')).toBe(true);
    expect((error as Error).message).toMatch(/helmfile -e eqiad --no-color diff .* exited 1: .*Kubernetes cluster unreachable/);
  });

  it('refuses output it cannot read instead of reporting "no changes"', async () => {
    await fake.fault('helmfile diff', { mode: 'garbage' });
    const error = await rejection(deployer().diff({ env: 'eqiad' }));
    expect(isCutoverError(error, 'adapter.bad-output')).toBe(true);
  });

  it('refuses an environment that is not configured, running nothing', async () => {
    const error = await rejection(deployer().diff({ env: 'codfw' }));
    expect(isCutoverError(error, 'input.invalid')).toBe(true);
    expect(await fake.calls()).toEqual([]);
  });
});

describe('apply', () => {
  it('applies non-interactively with SAL logging left on, and returns the tail of the output', async () => {
    // Even if the bot's environment carried SUPPRESS_SAL, apply must not pass it on.
    const outcome = await deployer({ kind: 'local' }, { env: { SUPPRESS_SAL: 'true' } }).apply({ env: 'eqiad', reason: 'capacity for T386926 - alice' });
    expect(await fake.calls()).toEqual([{ tool: 'helmfile', argv: APPLY_ARGV, cwd: fake.dir, suppressSal: null }]);
    if (outcome.dryRun) throw new Error('not a dry run');
    expect(outcome.apply).toMatchObject({ env: 'eqiad', ok: true, exitCode: 0, reason: 'capacity for T386926 - alice' });
    expect(outcome.apply.tail).toContain('UPDATED RELEASES:');
    const state = await fake.state();
    expect(state.helm.environments['eqiad']?.replicas).toBe(20);
    expect(state.helm.sal).toEqual(['[eqiad] START helmfile.d/services/kartotherian: apply', '[eqiad] DONE helmfile.d/services/kartotherian: apply']);
  });

  it('reports a failed apply as a result with the exit code and the (redacted) stderr tail', async () => {
    await fake.fault('helmfile apply', {
      mode: 'fail',
      exitCode: 1,
      stderr: 'Error: UPGRADE FAILED: release main failed, and has been rolled back due to atomic being set: timed out waiting for the condition\nhelm: password=hunter2 rejected\n',
    });
    const outcome = await deployer().apply({ env: 'eqiad', reason: 'capacity for T386926' });
    if (outcome.dryRun) throw new Error('not a dry run');
    expect(outcome.apply).toMatchObject({ ok: false, exitCode: 1 });
    expect(outcome.apply.tail).toContain('rolled back due to atomic being set');
    expect(outcome.apply.tail).toContain('password=***');
    expect(outcome.apply.tail).not.toContain('hunter2');
    expect((await fake.state()).helm.environments['eqiad']?.replicas).toBe(10);
  });

  it('is bounded by its timeout when helmfile hangs, and says to check the rollout', async () => {
    await fake.fault('helmfile apply', { mode: 'hang' });
    const started = Date.now();
    const error = await rejection(
      deployer({ kind: 'local' }, { settings: { timeouts: { chart_seconds: 1, apply_seconds: 2 } } }).apply({ env: 'eqiad', reason: 'capacity for T386926' }),
    );
    expect(isCutoverError(error, 'adapter.timeout')).toBe(true);
    expect((error as Error).message).toMatch(/check the rollout status/);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('stops when cancelled', async () => {
    await fake.fault('helmfile apply', { mode: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const error = await rejection(deployer(SSH_HOST).apply({ env: 'eqiad', reason: 'capacity for T386926', signal: controller.signal }));
    expect(isCutoverError(error, 'adapter.cancelled')).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('refuses a reason with control characters before running anything', async () => {
    const error = await rejection(deployer().apply({ env: 'eqiad', reason: 'x\n!log forged line' }));
    expect(isCutoverError(error, 'input.invalid')).toBe(true);
    expect(await fake.calls()).toEqual([]);
  });
});

describe('rolloutStatus', () => {
  it('reports a finished rollout with every pod ready', async () => {
    const outcome = await deployer().rolloutStatus({ env: 'eqiad' });
    const calls = await fake.calls();
    expect(calls.map((call) => call.argv)).toEqual([
      ['--context', 'eqiad', '-n', 'kartotherian', 'rollout', 'status', 'deployment/kartotherian-main', '--timeout=600s'],
      ['--context', 'eqiad', '-n', 'kartotherian', 'get', 'deployment/kartotherian-main', '-o', 'json', '--request-timeout=30s'],
      ['--context', 'eqiad', '-n', 'kartotherian', 'get', 'pods', '-l', 'app=kartotherian,release=main', '-o', 'json', '--request-timeout=30s'],
    ]);
    if (outcome.dryRun) throw new Error('not a dry run');
    expect(outcome.status).toEqual({
      env: 'eqiad',
      namespace: 'kartotherian',
      deployment: 'kartotherian-main',
      rolledOut: true,
      message: 'deployment "kartotherian-main" successfully rolled out',
      desired: 10,
      updated: 10,
      ready: 10,
      notReady: [],
      terminating: 0,
    });
  });

  it('reports a stuck rollout with the reason each pod is not ready', async () => {
    await fake.updateState((state) => {
      state.kube.rollout = 'stuck';
      state.kube.replicas = 20;
      state.kube.updated = 14;
      state.kube.pods = [
        ...state.kube.pods.slice(0, 8),
        { name: 'kartotherian-main-7f9-crash', state: 'CrashLoopBackOff', restarts: 6 },
        { name: 'kartotherian-main-7f9-image', state: 'ImagePullBackOff' },
        { name: 'kartotherian-main-7f9-nocpu', state: 'Unschedulable' },
        { name: 'kartotherian-main-5b4-old01', state: 'terminating' },
      ];
    });
    const outcome = await deployer(SSH_HOST).rolloutStatus({ env: 'eqiad' });
    if (outcome.dryRun) throw new Error('not a dry run');
    expect(outcome.status).toMatchObject({ rolledOut: false, message: 'Waiting for deployment "kartotherian-main" rollout to finish: 8 of 20 updated replicas are available... — error: timed out waiting for the condition',
      desired: 20, updated: 14, ready: 8, terminating: 1 });
    expect(outcome.status.notReady).toEqual([
      { pod: 'kartotherian-main-7f9-crash', reason: 'CrashLoopBackOff (kartotherian-main)', restarts: 6 },
      { pod: 'kartotherian-main-7f9-image', reason: 'ImagePullBackOff (kartotherian-main)', restarts: 0 },
      { pod: 'kartotherian-main-7f9-nocpu', reason: 'Unschedulable', restarts: 0 },
    ]);
  });

  it('fails clearly when the deployment does not exist', async () => {
    await fake.updateState((state) => {
      state.kube.exists = false;
    });
    const error = await rejection(deployer().rolloutStatus({ env: 'eqiad' }));
    expect(isCutoverError(error, 'adapter.command-failed')).toBe(true);
    expect((error as Error).message).toMatch(/kubectl .*get deployment\/kartotherian-main .*exited 1: Error from server \(NotFound\)/);
  });

  it('refuses kubectl output that is not the JSON it expects', async () => {
    await fake.fault('kubectl get', { mode: 'garbage' });
    const error = await rejection(deployer().rolloutStatus({ env: 'eqiad' }));
    expect(isCutoverError(error, 'adapter.bad-output')).toBe(true);
  });

  it('is bounded by kubectl timeouts when the API server hangs', async () => {
    await fake.fault('kubectl rollout', { mode: 'hang' });
    const started = Date.now();
    const error = await rejection(deployer({ kind: 'local' }, { settings: { timeouts: { rollout_seconds: 1, grace_seconds: 1 } } }).rolloutStatus({ env: 'eqiad' }));
    expect(isCutoverError(error, 'adapter.timeout')).toBe(true);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('refuses a namespace or release that is not a Kubernetes name', async () => {
    const error = await rejection(deployer().rolloutStatus({ env: 'eqiad', namespace: 'kartotherian --all-namespaces' }));
    expect(isCutoverError(error, 'input.invalid')).toBe(true);
    expect(await fake.calls()).toEqual([]);
  });
});

describe('dry run', () => {
  it('returns the exact command lines and runs nothing, apply included', async () => {
    const helm = deployer(SSH_HOST, { dryRun: true });
    const diff = await helm.diff({ env: 'eqiad' });
    const apply = await helm.apply({ env: 'eqiad', reason: 'capacity for T386926' });
    const status = await helm.rolloutStatus({ env: 'staging' });
    expect(await fake.calls()).toEqual([]);
    expect(diff).toEqual({ dryRun: true, commands: [`ssh -o BatchMode=yes deployment.eqiad.wmnet -- 'cd ${fake.dir} && helmfile ${DIFF_ARGV.join(' ')}'`] });
    expect(apply).toEqual({ dryRun: true, commands: [`ssh -o BatchMode=yes deployment.eqiad.wmnet -- 'cd ${fake.dir} && helmfile ${APPLY_ARGV.join(' ')}'`] });
    expect(status.commands).toEqual([
      `ssh -o BatchMode=yes deployment.eqiad.wmnet -- 'kubectl --context staging -n kartotherian rollout status deployment/kartotherian-main --timeout=600s'`,
      `ssh -o BatchMode=yes deployment.eqiad.wmnet -- 'kubectl --context staging -n kartotherian get deployment/kartotherian-main -o json --request-timeout=30s'`,
      `ssh -o BatchMode=yes deployment.eqiad.wmnet -- 'kubectl --context staging -n kartotherian get pods -l app=kartotherian,release=main -o json --request-timeout=30s'`,
    ]);
    expect((await fake.state()).helm.environments['eqiad']?.replicas).toBe(10);
  });

  it('can be asked for per call on a live deployer', async () => {
    const outcome = await deployer().apply({ env: 'eqiad', reason: 'capacity for T386926', dryRun: true });
    expect(outcome.dryRun).toBe(true);
    expect(await fake.calls()).toEqual([]);
  });
});

describe('nodePorts', () => {
  it('exposes the configured NodePorts for the probe adapter', () => {
    expect(deployer().nodePorts()).toEqual({ tls: 6543 });
    expect(deployer({ kind: 'local' }, { settings: { nodeports: { tls: 6543, plain: 6533 } } }).nodePorts()).toEqual({ tls: 6543, plain: 6533 });
  });
});
