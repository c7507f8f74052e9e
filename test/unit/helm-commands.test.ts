import { describe, expect, it } from 'vitest';
import { getDeploymentSpec, getPodsSpec, helmfileApplySpec, helmfileDiffSpec, rolloutStatusSpec } from '../../adapters/helm/helm-commands.js';
import { helmSettingsSchema } from '../../adapters/helm/settings.js';
import { createCommandRunner } from '../../adapters/command-runner.js';
import { KARTOTHERIAN_RELEASE } from '../helpers/kartotherian-settings.js';

const settings = helmSettingsSchema.parse({
  ...KARTOTHERIAN_RELEASE,
  host: { kind: 'local' },
  environments: {
    staging: {},
    eqiad: { datacenter: 'eqiad', kube_context: 'eqiad', kubeconfig: '/etc/kubernetes/kartotherian-deploy-eqiad.config' },
  },
});
const ref = { namespace: 'kartotherian', release: 'main' };

describe('helmfile command lines', () => {
  it('diffs non-interactively with secrets suppressed, 3 lines of context and a detailed exit code, in the release dir', () => {
    const spec = helmfileDiffSpec(settings, 'eqiad', {});
    expect(spec.argv).toEqual(['helmfile', '-e', 'eqiad', '--no-color', 'diff', '--suppress-secrets', '--context', '3', '--detailed-exitcode']);
    expect(spec.cwd).toBe('/srv/deployment-charts/helmfile.d/services/kartotherian');
    expect(spec.timeoutMs).toBe((300 + 30) * 1000);
  });

  it('applies without -i, outlasting the chart timeout, and never passes SUPPRESS_SAL', () => {
    const spec = helmfileApplySpec(settings, 'eqiad', { env: { SUPPRESS_SAL: 'true', SSH_AUTH_SOCK: '/run/agent' } });
    expect(spec.argv).toEqual(['helmfile', '-e', 'eqiad', '--no-color', 'apply', '--suppress-secrets', '--context', '3']);
    expect(spec.argv).not.toContain('-i');
    expect(spec.env).toEqual({ SSH_AUTH_SOCK: '/run/agent' });
    expect(spec.timeoutMs).toBe(900_000);
  });

  it('refuses an environment that is not configured', () => {
    expect(() => helmfileDiffSpec(settings, 'codfw', {})).toThrow(/Unknown helmfile environment codfw/);
  });
});

describe('kubectl command lines', () => {
  it('picks the cluster with --kubeconfig and --context when the environment has them', () => {
    expect(rolloutStatusSpec(settings, 'eqiad', ref, {}).argv).toEqual([
      'kubectl',
      '--kubeconfig',
      '/etc/kubernetes/kartotherian-deploy-eqiad.config',
      '--context',
      'eqiad',
      '-n',
      'kartotherian',
      'rollout',
      'status',
      'deployment/kartotherian-main',
      '--timeout=600s',
    ]);
    expect(getDeploymentSpec(settings, 'staging', ref, {}).argv).toEqual(['kubectl', '-n', 'kartotherian', 'get', 'deployment/kartotherian-main', '-o', 'json', '--request-timeout=30s']);
    expect(getPodsSpec(settings, 'staging', { namespace: 'kartotherian', release: 'canary' }, {}).argv).toEqual([
      'kubectl',
      '-n',
      'kartotherian',
      'get',
      'pods',
      '-l',
      'app=kartotherian,release=canary',
      '-o',
      'json',
      '--request-timeout=30s',
    ]);
  });

  it('gives kubectl its own --timeout and the runner a little more, so kubectl reports first', () => {
    expect(rolloutStatusSpec(settings, 'eqiad', ref, {}).timeoutMs).toBe(630_000);
  });
});

describe('what dry-run shows', () => {
  it('locally: the directory and the command', () => {
    expect(createCommandRunner({ kind: 'local' }).describe(helmfileDiffSpec(settings, 'eqiad', {}))).toBe(
      '(cd /srv/deployment-charts/helmfile.d/services/kartotherian) helmfile -e eqiad --no-color diff --suppress-secrets --context 3 --detailed-exitcode',
    );
  });

  it('over ssh: one quoted remote command that changes directory first', () => {
    const runner = createCommandRunner({ kind: 'ssh', host: 'deployment.eqiad.wmnet', ssh_options: ['-o', 'BatchMode=yes'] });
    expect(runner.describe(helmfileApplySpec(settings, 'eqiad', {}))).toBe(
      `ssh -o BatchMode=yes deployment.eqiad.wmnet -- 'cd /srv/deployment-charts/helmfile.d/services/kartotherian && helmfile -e eqiad --no-color apply --suppress-secrets --context 3'`,
    );
  });
});
