import { CutoverError, isCutoverError } from '../../core/errors.js';
import { printable } from '../../core/printable.js';
import { assertSucceeded, redactSecrets, type CommandResult, type CommandRunner } from '../command-runner.js';
import { formatDiffSummary, parseHelmDiff } from './diff-summary.js';
import {
  deploymentName,
  getDeploymentSpec,
  getPodsSpec,
  helmfileApplySpec,
  helmfileDiffSpec,
  rolloutStatusSpec,
  type ReleaseRef,
  type SpecExtras,
} from './helm-commands.js';
import { helmApplyResultSchema, helmDiffResultSchema, rolloutStatusSchema, type HelmDeployer } from './helm-deployer.js';
import { countPods, deploymentSchema, parseJson, podListSchema } from './kube-status.js';
import { helmNodePorts, k8sNameSchema, type HelmSettings } from './settings.js';

export interface HelmfileDeployerDeps {
  /** Built from settings.host: runs helmfile and kubectl here or on the deployment host over ssh. */
  runner: CommandRunner;
  settings: HelmSettings;
  /** Extra environment, e.g. SSH_AUTH_SOCK; tests put their fake PATH here. SUPPRESS_SAL never reaches apply. */
  env?: Readonly<Record<string, string>>;
  /** Dry-run mode: return the command lines, run nothing. */
  dryRun?: boolean;
}

const TAIL_LINES = 15;

export function createHelmfileDeployer(deps: HelmfileDeployerDeps): HelmDeployer {
  const { runner, settings } = deps;
  const extras = (signal: AbortSignal | undefined): SpecExtras => ({
    ...(deps.env === undefined ? {} : { env: deps.env }),
    ...(signal === undefined ? {} : { signal }),
  });
  const isDryRun = (request: { dryRun?: boolean }): boolean => request.dryRun ?? deps.dryRun ?? false;

  return {
    async diff(request) {
      const spec = helmfileDiffSpec(settings, request.env, extras(request.signal));
      const shown = runner.describe(spec);
      if (isDryRun(request)) return { dryRun: true, commands: [shown] };

      const result = await runner.run(spec);
      // --detailed-exitcode: 0 no changes, 2 changes, anything else is helmfile failing.
      if (result.exitCode !== 0 && result.exitCode !== 2) assertSucceeded(result);
      const summary = parseHelmDiff(result.stdout);
      if (result.exitCode === 2 && summary.objects.length === 0) {
        throw new CutoverError('adapter.bad-output', `${result.shown} reported changes but printed no diff I can read: ${printable(result.stdout.trim().slice(0, 120), 120)}`);
      }
      const diff = helmDiffResultSchema.parse({
        env: request.env,
        changed: summary.objects.length > 0,
        summary,
        channelSummary: formatDiffSummary(summary),
        text: redactSecrets(result.stdout),
        command: result.shown,
      });
      return { dryRun: false, commands: [shown], diff };
    },

    async apply(request) {
      const reason = request.reason.trim();
      if (reason.length < 3 || reason.length > 300 || /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(reason)) {
        throw new CutoverError('input.invalid', 'A deploy needs a reason of 3 to 300 printable characters on one line.');
      }
      const spec = helmfileApplySpec(settings, request.env, extras(request.signal));
      const shown = runner.describe(spec);
      if (isDryRun(request)) return { dryRun: true, commands: [shown] };

      let result: CommandResult;
      try {
        result = await runner.run(spec);
      } catch (error) {
        if (isCutoverError(error, 'adapter.timeout') || isCutoverError(error, 'adapter.cancelled')) {
          throw new CutoverError(error.code, `${error.message}. helm may still be upgrading or rolling back: check the rollout status before anything else.`, { cause: error });
        }
        throw error;
      }
      const apply = helmApplyResultSchema.parse({
        env: request.env,
        reason,
        ok: result.exitCode === 0,
        exitCode: result.exitCode,
        tail: tail(result),
        durationMs: result.durationMs,
        command: result.shown,
      });
      return { dryRun: false, commands: [shown], apply };
    },

    async rolloutStatus(request) {
      const ref: ReleaseRef = {
        namespace: validName(request.namespace ?? settings.namespace, 'namespace'),
        release: validName(request.release ?? settings.release, 'release'),
      };
      const specs = {
        rollout: rolloutStatusSpec(settings, request.env, ref, extras(request.signal)),
        deployment: getDeploymentSpec(settings, request.env, ref, extras(request.signal)),
        pods: getPodsSpec(settings, request.env, ref, extras(request.signal)),
      };
      const commands = [specs.rollout, specs.deployment, specs.pods].map((spec) => runner.describe(spec));
      if (isDryRun(request)) return { dryRun: true, commands };

      // Not asserted: an unfinished rollout is the answer, and the two reads below say why.
      const rollout = await runner.run(specs.rollout);
      const deployment = parseJson(deploymentSchema, assertSucceeded(await runner.run(specs.deployment)).stdout, 'kubectl get deployment');
      const pods = countPods(parseJson(podListSchema, assertSucceeded(await runner.run(specs.pods)).stdout, 'kubectl get pods'));
      const status = rolloutStatusSchema.parse({
        env: request.env,
        namespace: ref.namespace,
        deployment: deploymentName(settings, ref.release),
        rolledOut: rollout.exitCode === 0,
        message: printable(rolloutMessage(rollout), 300),
        desired: deployment.spec.replicas,
        updated: deployment.status.updatedReplicas,
        ready: pods.ready,
        notReady: pods.notReady,
        terminating: pods.terminating,
      });
      return { dryRun: false, commands, status };
    },

    nodePorts() {
      return helmNodePorts(settings);
    },
  };
}

function validName(value: string, what: string): string {
  const parsed = k8sNameSchema.safeParse(value);
  if (!parsed.success) throw new CutoverError('input.invalid', `Not a Kubernetes ${what}: ${printable(value, 64)}.`);
  return parsed.data;
}

function tail(result: CommandResult): string {
  const lines = [...result.stdout.split('\n'), ...result.stderr.split('\n')].filter((line) => line.trim() !== '');
  return redactSecrets(lines.slice(-TAIL_LINES).join('\n'));
}

/** Success: kubectl's last line. Failure: how far it got, then why it gave up. */
function rolloutMessage(result: CommandResult): string {
  const progress = lastLine(result.stdout);
  if (result.exitCode === 0) return progress ?? '';
  return [progress, lastLine(result.stderr) ?? `exited ${result.exitCode}`].filter((part) => part !== undefined).join(' — ');
}

function lastLine(text: string): string | undefined {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
}
