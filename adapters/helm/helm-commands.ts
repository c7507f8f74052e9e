import type { CommandSpec } from '../command-runner.js';
import { helmEnvironment, type HelmSettings } from './settings.js';

export interface SpecExtras {
  env?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

export interface ReleaseRef {
  namespace: string;
  release: string;
}

function withExtras(spec: Omit<CommandSpec, 'env' | 'signal'>, extras: SpecExtras): CommandSpec {
  return {
    ...spec,
    ...(extras.env === undefined ? {} : { env: extras.env }),
    ...(extras.signal === undefined ? {} : { signal: extras.signal }),
  };
}

/**
 * `helmfile -e <env> --no-color diff --suppress-secrets --context N --detailed-exitcode` in the
 * release directory. --detailed-exitcode makes "changes" exit 2 and "none" exit 0, so an empty
 * diff is known from the exit code, not guessed from empty output.
 */
export function helmfileDiffSpec(settings: HelmSettings, env: string, extras: SpecExtras): CommandSpec {
  helmEnvironment(settings, env);
  return withExtras(
    {
      argv: ['helmfile', '-e', env, '--no-color', 'diff', '--suppress-secrets', '--context', String(settings.diff_context_lines), '--detailed-exitcode'],
      cwd: settings.release_dir,
      timeoutMs: (settings.timeouts.diff_seconds + settings.timeouts.grace_seconds) * 1000,
    },
    extras,
  );
}

/**
 * `helmfile -e <env> --no-color apply --suppress-secrets --context N`. Never `-i`: nobody is at
 * a terminal to answer, the approval already happened in the channel. SUPPRESS_SAL is removed
 * from the environment so the helmfile_log_sal hooks do log START/DONE to the SAL.
 */
export function helmfileApplySpec(settings: HelmSettings, env: string, extras: SpecExtras): CommandSpec {
  helmEnvironment(settings, env);
  const cleanEnv = extras.env === undefined ? undefined : Object.fromEntries(Object.entries(extras.env).filter(([key]) => key !== 'SUPPRESS_SAL'));
  return withExtras(
    {
      argv: ['helmfile', '-e', env, '--no-color', 'apply', '--suppress-secrets', '--context', String(settings.diff_context_lines)],
      cwd: settings.release_dir,
      timeoutMs: settings.timeouts.apply_seconds * 1000,
    },
    { ...extras, ...(cleanEnv === undefined ? {} : { env: cleanEnv }) },
  );
}

/** `kubectl [--kubeconfig F] [--context C] -n <ns>`: the env decides which cluster answers. */
function kubectl(settings: HelmSettings, env: string, namespace: string): [string, ...string[]] {
  const config = helmEnvironment(settings, env);
  return [
    'kubectl',
    ...(config.kubeconfig === undefined ? [] : ['--kubeconfig', config.kubeconfig]),
    ...(config.kube_context === undefined ? [] : ['--context', config.kube_context]),
    '-n',
    namespace,
  ];
}

export function deploymentName(settings: HelmSettings, release: string): string {
  return `${settings.app}-${release}`;
}

export function podSelector(settings: HelmSettings, release: string): string {
  return `app=${settings.app},release=${release}`;
}

export function rolloutStatusSpec(settings: HelmSettings, env: string, ref: ReleaseRef, extras: SpecExtras): CommandSpec {
  const seconds = settings.timeouts.rollout_seconds;
  return withExtras(
    {
      argv: [...kubectl(settings, env, ref.namespace), 'rollout', 'status', `deployment/${deploymentName(settings, ref.release)}`, `--timeout=${seconds}s`],
      timeoutMs: (seconds + settings.timeouts.grace_seconds) * 1000,
    },
    extras,
  );
}

export function getDeploymentSpec(settings: HelmSettings, env: string, ref: ReleaseRef, extras: SpecExtras): CommandSpec {
  const seconds = settings.timeouts.kubectl_seconds;
  return withExtras(
    {
      argv: [...kubectl(settings, env, ref.namespace), 'get', `deployment/${deploymentName(settings, ref.release)}`, '-o', 'json', `--request-timeout=${seconds}s`],
      timeoutMs: (seconds + settings.timeouts.grace_seconds) * 1000,
    },
    extras,
  );
}

export function getPodsSpec(settings: HelmSettings, env: string, ref: ReleaseRef, extras: SpecExtras): CommandSpec {
  const seconds = settings.timeouts.kubectl_seconds;
  return withExtras(
    {
      argv: [...kubectl(settings, env, ref.namespace), 'get', 'pods', '-l', podSelector(settings, ref.release), '-o', 'json', `--request-timeout=${seconds}s`],
      timeoutMs: (seconds + settings.timeouts.grace_seconds) * 1000,
    },
    extras,
  );
}
