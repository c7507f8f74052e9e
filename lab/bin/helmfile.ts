/**
 * The lab's helmfile: `helmfile -e <env> [--no-color] diff|apply [--suppress-secrets]
 * [--context N] [--detailed-exitcode]`, as adapters/helm/helm-commands.ts runs it. `diff` reads
 * GET /helm/release?env=E: a release not yet deployed diffs as every object added, a deployed
 * one as nothing (the lab's chart and values do not change). `apply` does nothing when the diff
 * is empty, else POST /helm/apply, which starts the workers' NodePort servers. Output: helmfile's
 * and helm-diff's (lab/stand-ins/helm-output.ts; no capture of the real tool exists).
 */
import { helmApplyResponse, helmReleaseResponse } from '../control-api.js';
import { appliedText, failedApply, helmDiffText, helmfilePreamble, NO_AFFECTED_RELEASES, upgradingLine } from '../stand-ins/helm-output.js';
import { LabError, LabRefused, labRequest, runStandIn } from '../stand-ins/lab-client.js';
import { releaseNames, releaseValues } from '../stand-ins/release-values.js';
import { parseHelmfileArgs } from '../stand-ins/helmfile-args.js';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const { env, context, subcommand, flags } = parseHelmfileArgs(args);
  if (subcommand !== 'diff' && subcommand !== 'apply') throw new LabError(`unknown command "${subcommand ?? ''}" for "helmfile" (the lab's helmfile does diff and apply)`);
  if (env === undefined) throw new LabError('the lab has no "default" environment: pass -e <env>');
  if (flags.includes('-i') || flags.includes('--interactive')) {
    process.stderr.write('Do you really want to apply?\n  Helmfile will apply all your changes, as shown above.\n\n [y/n]: ');
    return 1;
  }

  let release;
  try {
    release = await labRequest(`/helm/release?env=${encodeURIComponent(env)}`, helmReleaseResponse);
  } catch (error) {
    if (error instanceof LabRefused) throw new LabError(`in ./helmfile.yaml: environment "${env}" is not defined (${error.message})`);
    throw error;
  }
  const names = releaseNames(release);
  const values = releaseValues(release);
  const diff = helmDiffText(names, release.deployed ? values : null, values, context);
  process.stderr.write(helmfilePreamble(names));
  process.stdout.write(diff);
  if (subcommand === 'diff') return diff === '' ? 0 : flags.includes('--detailed-exitcode') ? 2 : 0;

  if (diff === '') {
    process.stdout.write(NO_AFFECTED_RELEASES);
    return 0;
  }
  process.stdout.write(upgradingLine(names));
  let applied;
  try {
    applied = await labRequest('/helm/apply', helmApplyResponse, { env });
  } catch (error) {
    if (!(error instanceof LabRefused)) throw error;
    const failed = failedApply(names, values, error.message);
    process.stdout.write(failed.stdout);
    process.stderr.write(failed.stderr);
    return 1;
  }
  process.stdout.write(appliedText(names, releaseValues(applied.release), applied.release.revision, new Date()));
  return 0;
}

runStandIn('helmfile', main);
