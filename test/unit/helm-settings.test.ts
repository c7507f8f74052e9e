import { describe, expect, it } from 'vitest';
import { helmEnvForDatacenter, helmEnvironment, helmNodePorts, helmSettingsSchema } from '../../adapters/helm/settings.js';
import { isCutoverError } from '../../core/errors.js';
import { KARTOTHERIAN_RELEASE } from '../helpers/kartotherian-settings.js';

/** The release names come from the service (the config derives them); the rest has defaults. */
const minimal = { host: { kind: 'ssh', host: 'deployment.eqiad.wmnet' }, ...KARTOTHERIAN_RELEASE };

describe('helmSettingsSchema', () => {
  it('fills in everything but the release names from deployment-charts conventions', () => {
    const settings = helmSettingsSchema.parse(minimal);
    expect(settings).toMatchObject({
      host: { kind: 'ssh', host: 'deployment.eqiad.wmnet', ssh_options: ['-o', 'BatchMode=yes'] },
      release_dir: '/srv/deployment-charts/helmfile.d/services/kartotherian',
      namespace: 'kartotherian',
      release: 'main',
      app: 'kartotherian',
      diff_context_lines: 3,
      timeouts: { chart_seconds: 600, apply_seconds: 900 },
      nodeports: { tls: 6543 },
    });
    expect(Object.keys(settings.environments)).toEqual(['staging', 'eqiad', 'codfw']);
    expect(helmNodePorts(settings)).toEqual({ tls: 6543 });
    expect(helmNodePorts(helmSettingsSchema.parse({ ...minimal, nodeports: { tls: 6543, plain: 6533 } }))).toEqual({ tls: 6543, plain: 6533 });
  });

  it('refuses an apply timeout that would kill helmfile before the chart timeout and its atomic rollback', () => {
    const result = helmSettingsSchema.safeParse({ ...minimal, timeouts: { apply_seconds: 600 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['timeouts', 'apply_seconds']);
  });

  it.each([
    ['a relative release dir', { release_dir: 'srv/charts' }],
    ['a release dir with shell syntax', { release_dir: '/srv/x; rm -rf /' }],
    ['an upper-case namespace', { namespace: 'Kartotherian' }],
    ['a context with spaces', { environments: { eqiad: { kube_context: 'a b' } } }],
    ['two environments for one datacenter', { environments: { eqiad: { datacenter: 'eqiad' }, eqiad2: { datacenter: 'eqiad' } } }],
    ['no environments', { environments: {} }],
    ['an unknown key', { releases: 'main' }],
  ])('refuses %s', (_label, extra) => {
    expect(helmSettingsSchema.safeParse({ ...minimal, ...extra }).success).toBe(false);
  });
});

describe('environment lookups', () => {
  const settings = helmSettingsSchema.parse({ ...minimal, environments: { staging: {}, eqiad: { datacenter: 'eqiad', kube_context: 'eqiad' } } });

  it('finds configured environments and the one that deploys a datacenter', () => {
    expect(helmEnvironment(settings, 'eqiad')).toEqual({ datacenter: 'eqiad', kube_context: 'eqiad' });
    expect(helmEnvForDatacenter(settings, 'eqiad')).toBe('eqiad');
  });

  it.each(['codfw', 'constructor', '__proto__', 'eqiad; ls'])('refuses %s as input.invalid', (env) => {
    let caught: unknown;
    try {
      helmEnvironment(settings, env);
    } catch (error) {
      caught = error;
    }
    expect(isCutoverError(caught, 'input.invalid')).toBe(true);
  });
});
