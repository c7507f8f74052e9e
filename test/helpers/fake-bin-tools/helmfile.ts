/**
 * A stand-in for helmfile (with the helm-diff plugin) in cutover's tests. It records its argv,
 * diffs and applies the release kept in the state file, prints what helmfile/helm-diff print
 * through lab/stand-ins/helm-output.ts (the lab's helmfile prints with the same code), and fails,
 * hangs or prints garbage when the control file says so.
 */
import { appliedText, failedApply, helmDiffText, helmfilePreamble, NO_AFFECTED_RELEASES, upgradingLine, type ChartValues, type ReleaseNames } from '../../../lab/stand-ins/helm-output.js';
import { parseHelmfileArgs } from '../../../lab/stand-ins/helmfile-args.js';
import type { FakeRelease } from '../fake-bin.js';
import { exit, faultFor, hang, readState, record, writeState } from './common.js';

const args = process.argv.slice(2);
record({ tool: 'helmfile', argv: args, suppressSal: process.env['SUPPRESS_SAL'] ?? null });
main();

function main(): void {
  const parsed = parseHelmfileArgs(args);
  const { context, subcommand, flags } = parsed;
  const env = parsed.env ?? 'default';

  const fault = faultFor(`helmfile ${subcommand ?? ''}`, 'helmfile');
  if (fault?.mode === 'hang') return hang(fault.stdout ?? 'Comparing release=main, chart=wmf-stable/kartotherian, namespace=kartotherian\n');
  if (fault?.mode === 'garbage') exit(fault.stdout ?? '\u001b[31m\u0000\u00ff<<<garbage>>> {"not": diff\n', '', fault.exitCode ?? 2);

  const state = readState();
  const helm = state.helm;
  const names: ReleaseNames = { namespace: 'kartotherian', release: 'main', app: 'kartotherian', chart: 'wmf-stable/kartotherian' };
  if (subcommand !== 'diff' && subcommand !== 'apply') exit('', `Error: unknown command "${subcommand ?? ''}" for "helmfile"\n`, 1);
  const deployed = Object.hasOwn(helm?.environments ?? {}, env) ? helm.environments[env] : undefined;
  if (deployed === undefined) exit('', `in ./helmfile.yaml: environment "${env}" is not defined\n`, 1);
  const desired = helm.desired;
  const diff = helmDiffText(names, values(deployed), values(desired), context);
  process.stderr.write(helmfilePreamble(names));

  if (subcommand === 'diff') {
    if (fault?.mode === 'fail') exit('', fault.stderr ?? 'Error: Kubernetes cluster unreachable: Get "https://kubemaster.svc.eqiad.wmnet:6443/version": dial tcp: i/o timeout\n', fault.exitCode ?? 1);
    exit(diff, '', diff === '' ? 0 : flags.includes('--detailed-exitcode') ? 2 : 0);
  }
  // apply: the diff first (as helmfile prints it), then helm upgrade.
  if (flags.includes('-i') || flags.includes('--interactive')) exit('', 'Do you really want to apply?\n  Helmfile will apply all your changes, as shown above.\n\n [y/n]: ', 1);
  const sal = (message: string): void => {
    if (process.env['SUPPRESS_SAL'] === undefined || process.env['SUPPRESS_SAL'] === '') helm.sal = [...helm.sal, message];
  };
  process.stdout.write(diff);
  if (diff === '') exit(NO_AFFECTED_RELEASES, '', 0);
  sal(`[${env}] START helmfile.d/services/kartotherian: apply`);
  process.stdout.write(upgradingLine(names));
  if (fault?.mode === 'fail') {
    sal(`[${env}] FAILED helmfile.d/services/kartotherian: apply`);
    writeState(state);
    const failed = failedApply(names, values(desired), 'context deadline exceeded');
    exit(failed.stdout, fault.stderr ?? failed.stderr, fault.exitCode ?? 1);
  }
  helm.environments[env] = { ...desired };
  helm.revision += 1;
  sal(`[${env}] DONE helmfile.d/services/kartotherian: apply`);
  writeState(state);
  exit(appliedText(names, values(desired), helm.revision), '', 0);
}

function values(release: FakeRelease): ChartValues {
  return {
    replicas: release.replicas,
    image: `docker-registry.discovery.wmnet/repos/maps/kartotherian:${release.imageTag}`,
    configChecksum: release.configChecksum,
    numWorkers: release.numWorkers,
    nodePort: release.nodePort,
    chartVersion: release.chartVersion,
  };
}
