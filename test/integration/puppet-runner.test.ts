import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCommandRunner, type CommandHost } from '../../adapters/command-runner.js';
import { createCuminPuppetRunner } from '../../adapters/puppet/cumin-puppet-runner.js';
import { InMemoryDisableLedger } from '../../adapters/puppet/disable-ledger.js';
import type { PuppetOutcome, PuppetRunner } from '../../adapters/puppet/puppet-runner.js';
import { formatReason } from '../../adapters/puppet/reason.js';
import { puppetSettingsSchema } from '../../adapters/puppet/settings.js';
import { isCutoverError } from '../../core/errors.js';
import { createFakeBin, shellWords, type FakeBin } from '../helpers/fake-bin.js';
import { KARTOTHERIAN_PUPPET } from '../helpers/kartotherian-settings.js';

const SSH_HOST: CommandHost = { kind: 'ssh', host: 'cumin1002.eqiad.wmnet', ssh_options: ['-o', 'BatchMode=yes'] };
const REASON = formatReason({ reason: 'maps: nginx listen 6543', user: 'alice', host: 'cumin1002', task: 'T378944' });

let fake: FakeBin;
let ledger: InMemoryDisableLedger;

beforeEach(async () => {
  fake = await createFakeBin((state) => {
    state.cumin.aliases['maps-eqiad'] = ['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet', 'maps1007.eqiad.wmnet', 'maps1008.eqiad.wmnet'];
  });
  ledger = new InMemoryDisableLedger();
});

afterEach(async () => {
  await fake.cleanup();
});

function puppet(host: CommandHost = { kind: 'local' }, options: { sudo?: boolean; dryRun?: boolean; timeouts?: Record<string, number> } = {}): PuppetRunner {
  const settings = puppetSettingsSchema.parse({ ...KARTOTHERIAN_PUPPET, host, sudo: options.sudo ?? false, ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }) });
  return createCuminPuppetRunner({ runner: createCommandRunner(settings.host), settings, ledger, env: fake.env, ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }) });
}

function report<T>(outcome: PuppetOutcome<{ report: T }>): T {
  if (outcome.dryRun) throw new Error('expected a real run');
  return outcome.report;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function setPuppet(outcomes: Record<string, 'noop' | 'changed' | 'fail' | 'resource-error' | 'timeout'>, disabled: Record<string, string> = {}): Promise<void> {
  await fake.updateState((state) => {
    for (const [host, puppetOutcome] of Object.entries(outcomes)) state.cumin.hosts[`${host}.eqiad.wmnet`] = { puppet: puppetOutcome, disabled: null };
    for (const [host, reason] of Object.entries(disabled)) state.cumin.hosts[`${host}.eqiad.wmnet`]!.disabled = reason;
  });
}

describe('runPuppet', () => {
  it('runs run-puppet-agent through sudo cumin in batches and reports each host: changed, no change, failed, not run', async () => {
    await setPuppet({ maps1005: 'noop', maps1006: 'changed', maps1007: 'fail', maps1008: 'noop' });
    const outcome = await puppet({ kind: 'local' }, { sudo: true }).runPuppet({ selector: 'A:maps-eqiad', batchSize: 1, reason: REASON });
    expect(await fake.calls()).toEqual([
      { tool: 'sudo', argv: ['-n', 'cumin', '-b', '1', '-t', '1800', '--force', 'A:maps-eqiad', 'run-puppet-agent'], cwd: process.cwd() },
      { tool: 'cumin', argv: ['-b', '1', '-t', '1800', '--force', 'A:maps-eqiad', 'run-puppet-agent'], cwd: process.cwd() },
    ]);
    const run = report(outcome);
    expect(run).toMatchObject({ query: 'A:maps-eqiad', reason: REASON, exitCode: 2, ok: false });
    expect(run.hosts.map((host) => [host.host, host.status, host.changedResources])).toEqual([
      ['maps1005.eqiad.wmnet', 'no-change', 0],
      ['maps1006.eqiad.wmnet', 'changed', 3],
      ['maps1007.eqiad.wmnet', 'failed', 0],
      ['maps1008.eqiad.wmnet', 'not-run', 0],
    ]);
    expect(run.hosts[2]?.detail).toMatch(/^Could not retrieve catalog from remote server: Error 500/);
    expect(outcome.commands).toEqual(['sudo -n cumin -b 1 -t 1800 --force A:maps-eqiad run-puppet-agent']);
  });

  it('passes batch size and sleep, appends the task, and is ok when every host applied its catalog', async () => {
    await setPuppet({ maps1005: 'changed', maps1006: 'noop', maps1007: 'noop', maps1008: 'changed' });
    const run = report(await puppet().runPuppet({ selector: 'A:maps-eqiad', batchSize: 2, batchSleepSeconds: 5, reason: 'maps 6543 - alice@cumin1002', task: 'T378944' }));
    expect((await fake.calls()).map((call) => call.argv)).toEqual([['-b', '2', '-s', '5', '-t', '1800', '--force', 'A:maps-eqiad', 'run-puppet-agent']]);
    expect(run).toMatchObject({ ok: true, exitCode: 0, reason: 'maps 6543 - alice@cumin1002 - T378944' });
    expect(run.hosts.map((host) => host.status)).toEqual(['changed', 'no-change', 'no-change', 'changed']);
  });

  it('reports a failed resource as failed although run-puppet-agent exited 0', async () => {
    await setPuppet({ maps1009: 'resource-error' });
    const run = report(await puppet().runPuppet({ selector: 'A:maps-canary', reason: REASON }));
    expect(run.exitCode).toBe(0);
    expect(run.ok).toBe(false);
    expect(run.hosts).toEqual([{ host: 'maps1009.eqiad.wmnet', status: 'failed', changedResources: 0, detail: expect.stringContaining('Systemd start for envoyproxy failed') as unknown }]);
  });

  it('says a host timed out when cumin says so', async () => {
    await setPuppet({ maps1005: 'noop', maps1006: 'timeout' });
    const run = report(await puppet().runPuppet({ selector: 'maps100[5-6].eqiad.wmnet', batchSize: 2, reason: REASON }));
    expect(run.hosts).toEqual([
      { host: 'maps1005.eqiad.wmnet', status: 'no-change', changedResources: 0, detail: expect.stringMatching(/^no changes/) as unknown },
      { host: 'maps1006.eqiad.wmnet', status: 'failed', changedResources: 0, detail: 'timed out (cumin -t 1800 s)' },
    ]);
  });

  it('reports a host where puppet is disabled, with the reason someone gave', async () => {
    await setPuppet({ maps1005: 'noop' }, { maps1005: 'reimage - bob@cumin2002 - T123' });
    const run = report(await puppet().runPuppet({ selector: 'maps1005.eqiad.wmnet', reason: REASON }));
    expect(run.hosts).toEqual([{ host: 'maps1005.eqiad.wmnet', status: 'failed', changedResources: 0, detail: 'puppet is disabled: reimage - bob@cumin2002 - T123' }]);
  });

  it('with enable, re-enables puppet only where it was disabled with this reason, then runs', async () => {
    await setPuppet({ maps1005: 'changed', maps1006: 'noop' }, { maps1005: REASON, maps1006: REASON });
    const run = report(await puppet().runPuppet({ selector: 'maps100[5-6].eqiad.wmnet', batchSize: 2, reason: REASON, enable: true }));
    const cumin = (await fake.calls('cumin'))[0];
    expect(cumin?.argv.at(-1)).toBe(`run-puppet-agent --enable '${REASON}'`);
    expect(run.hosts.map((host) => host.status)).toEqual(['changed', 'no-change']);
    expect((await fake.state()).cumin.hosts['maps1005.eqiad.wmnet']?.disabled).toBeNull();
  });

  it.each([
    ['a selector outside the allow-list', { selector: 'A:all', reason: REASON }, 'input.invalid'],
    ['a host this bot may not touch', { selector: 'db1001.eqiad.wmnet', reason: REASON }, 'input.unknown-host'],
    ['a batch above the cap', { selector: 'A:maps-eqiad', reason: REASON, batchSize: 50 }, 'input.invalid'],
    ['a fractional batch', { selector: 'A:maps-eqiad', reason: REASON, batchSize: 1.5 }, 'input.invalid'],
    ['a reason with a newline', { selector: 'A:maps-eqiad', reason: 'x\ny z' }, 'input.invalid'],
    ['a bad task id', { selector: 'A:maps-eqiad', reason: REASON, task: 'T12; ls' }, 'input.invalid'],
  ])('refuses %s before running anything', async (_label, request, code) => {
    const error = await rejection(puppet().runPuppet(request));
    expect(isCutoverError(error, code as 'input.invalid')).toBe(true);
    expect(await fake.calls()).toEqual([]);
  });
});

describe('disable and enable', () => {
  it('passes a hostile reason as one literal word through ssh, cumin and the target shell', async () => {
    const canary = join(fake.dir, 'pwned');
    const reason = `it's fine'; touch ${canary} # $(touch ${canary}2) \`touch ${canary}3\` - alice@cumin1002`;
    const toggle = report(await puppet(SSH_HOST, { sudo: true }).disablePuppet({ selector: 'maps100[5-6].eqiad.wmnet', reason }));
    expect(toggle).toMatchObject({ action: 'disable', ok: true, exitCode: 0 });

    const [ssh, sudo, cumin] = await fake.calls();
    const cuminArgv = ['-t', '420', '--force', 'maps100[5-6].eqiad.wmnet', `disable-puppet '${reason.replaceAll("'", `'\\''`)}'`];
    // ssh got one remote string; a real shell parses it back to exactly the argv the adapter built.
    expect(ssh?.argv.slice(0, 4)).toEqual(['-o', 'BatchMode=yes', 'cumin1002.eqiad.wmnet', '--']);
    expect(ssh?.argv).toHaveLength(5);
    expect(shellWords(ssh?.argv[4] ?? '')).toEqual(['sudo', '-n', 'cumin', ...cuminArgv]);
    expect(sudo?.argv).toEqual(['-n', 'cumin', ...cuminArgv]);
    expect(cumin?.argv).toEqual(cuminArgv);
    // cumin's command word, through the target host's shell: the reason is one argument, verbatim.
    expect(shellWords(cumin?.argv.at(-1) ?? '')).toEqual(['disable-puppet', reason]);
    expect(existsSync(canary) || existsSync(`${canary}2`) || existsSync(`${canary}3`)).toBe(false);
    const hosts = (await fake.state()).cumin.hosts;
    expect([hosts['maps1005.eqiad.wmnet']?.disabled, hosts['maps1006.eqiad.wmnet']?.disabled]).toEqual([reason, reason]);
  });

  it('enables with the same reason, and refuses a different one before anything runs', async () => {
    const runner = puppet();
    report(await runner.disablePuppet({ selector: 'A:maps-eqiad', reason: REASON }));
    await fake.clearCalls();

    const other = formatReason({ reason: 'something else', user: 'bob', host: 'cumin1002' });
    const error = await rejection(runner.enablePuppet({ selector: 'A:maps-eqiad', reason: other }));
    expect(isCutoverError(error, 'puppet.reason-mismatch')).toBe(true);
    expect((error as Error).message).toContain(REASON);
    // The ledger knows the hosts cumin targeted, so a narrower selector is checked too.
    expect(isCutoverError(await rejection(runner.enablePuppet({ selector: 'maps1006.eqiad.wmnet', reason: other })), 'puppet.reason-mismatch')).toBe(true);
    expect(await fake.calls()).toEqual([]);

    const enabled = report(await runner.enablePuppet({ selector: 'A:maps-eqiad', reason: REASON }));
    expect(enabled).toMatchObject({ action: 'enable', ok: true });
    expect((await fake.calls('cumin'))[0]?.argv.at(-1)).toBe(`enable-puppet '${REASON}'`);
    expect(Object.values((await fake.state()).cumin.hosts).every((host) => host.disabled === null)).toBe(true);
    // Once enabled, the reason is forgotten: a later disable may use another.
    expect(report(await runner.disablePuppet({ selector: 'A:maps-eqiad', reason: other })).ok).toBe(true);
  });

  it('refuses to disable again with another reason while its own disable stands', async () => {
    const runner = puppet();
    report(await runner.disablePuppet({ selector: 'maps1005.eqiad.wmnet', reason: REASON }));
    const error = await rejection(runner.disablePuppet({ selector: 'maps1005.eqiad.wmnet', reason: 'another one - bob@cumin1002' }));
    expect(isCutoverError(error, 'puppet.reason-mismatch')).toBe(true);
  });

  it('reports hosts where enable-puppet refused because someone else disabled puppet', async () => {
    await setPuppet({}, { maps1005: 'hardware maintenance - dcops@cumin1002 - T999' });
    const toggle = report(await puppet().enablePuppet({ selector: 'maps100[5-6].eqiad.wmnet', reason: REASON }));
    expect(toggle.ok).toBe(false);
    expect(toggle.exitCode).toBe(2);
    expect(toggle.hosts).toEqual([
      { host: 'maps1005.eqiad.wmnet', ok: false, detail: 'enable-puppet refused: puppet was disabled with another reason (or by someone else)' },
      { host: 'maps1006.eqiad.wmnet', ok: true, detail: 'puppet enabled' },
    ]);
    expect((await fake.state()).cumin.hosts['maps1005.eqiad.wmnet']?.disabled).toBe('hardware maintenance - dcops@cumin1002 - T999');
  });
});

describe('failures', () => {
  it('is bounded by cumin -t plus grace when cumin hangs', async () => {
    await fake.fault('cumin', { mode: 'hang' });
    const started = Date.now();
    const error = await rejection(puppet({ kind: 'local' }, { timeouts: { run_seconds: 1, grace_seconds: 1 } }).runPuppet({ selector: 'A:maps-eqiad', reason: REASON }));
    expect(isCutoverError(error, 'adapter.timeout')).toBe(true);
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('stops when cancelled, over ssh too', async () => {
    await fake.fault('cumin', { mode: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const error = await rejection(puppet(SSH_HOST).disablePuppet({ selector: 'A:maps-eqiad', reason: REASON, signal: controller.signal }));
    expect(isCutoverError(error, 'adapter.cancelled')).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('fails with the command, exit code and stderr when cumin itself breaks', async () => {
    await fake.fault('cumin', { mode: 'fail' });
    const error = await rejection(puppet().runPuppet({ selector: 'A:maps-eqiad', reason: REASON }));
    expect(isCutoverError(error, 'adapter.command-failed')).toBe(true);
    expect((error as Error).message).toMatch(/^cumin .* exited 99: Caught HTTPError exception: 503/);
  });

  it('fails when ssh cannot reach the cumin host', async () => {
    await fake.fault('ssh', { mode: 'fail' });
    const error = await rejection(puppet(SSH_HOST).runPuppet({ selector: 'A:maps-eqiad', reason: REASON }));
    expect(isCutoverError(error, 'adapter.command-failed')).toBe(true);
    expect((error as Error).message).toMatch(/exited 255: ssh: connect to host cumin1002.eqiad.wmnet port 22: Connection refused/);
  });

  it('refuses output it cannot read', async () => {
    await fake.fault('cumin', { mode: 'garbage' });
    const error = await rejection(puppet().runPuppet({ selector: 'A:maps-eqiad', reason: REASON }));
    expect(isCutoverError(error, 'adapter.bad-output')).toBe(true);
    expect((error as Error).message).toMatch(/without saying which hosts it targeted: Traceback/);
  });

  it('says so when cumin finds no hosts, which cumin itself reports with exit 0', async () => {
    const error = await rejection(puppet().runPuppet({ selector: 'maps1099.eqiad.wmnet', reason: REASON }));
    expect(isCutoverError(error, 'input.unknown-host')).toBe(true);
  });
});

describe('dry run', () => {
  it('returns the exact command lines and runs nothing', async () => {
    const runner = puppet(SSH_HOST, { sudo: true, dryRun: true });
    const run = await runner.runPuppet({ selector: 'A:maps-eqiad', batchSize: 2, batchSleepSeconds: 30, reason: REASON });
    const disable = await runner.disablePuppet({ selector: 'maps100[5-6].eqiad.wmnet', reason: REASON });
    const enable = await runner.enablePuppet({ selector: 'maps100[5-6].eqiad.wmnet', reason: REASON });
    expect(await fake.calls()).toEqual([]);
    expect(run).toEqual({ dryRun: true, commands: [`ssh -o BatchMode=yes cumin1002.eqiad.wmnet -- 'sudo -n cumin -b 2 -s 30 -t 1800 --force A:maps-eqiad run-puppet-agent'`] });
    // Shown exactly as it would run: the ssh line, whose remote string is the cumin argv.
    const shown = disable.commands[0] ?? '';
    const prefix = 'ssh -o BatchMode=yes cumin1002.eqiad.wmnet -- ';
    expect(shown.startsWith(prefix)).toBe(true);
    const [remote = ''] = shellWords(shown.slice(prefix.length));
    expect(shellWords(remote)).toEqual(['sudo', '-n', 'cumin', '-t', '420', '--force', 'maps100[5-6].eqiad.wmnet', `disable-puppet '${REASON}'`]);
    expect(enable.dryRun).toBe(true);
    // Nothing ran, so nothing was recorded as disabled.
    expect(await ledger.get('query:maps100[5-6].eqiad.wmnet')).toBeUndefined();
  });

  it('still refuses a mismatched enable in dry-run', async () => {
    const runner = puppet();
    report(await runner.disablePuppet({ selector: 'maps1005.eqiad.wmnet', reason: REASON }));
    const error = await rejection(runner.enablePuppet({ selector: 'maps1005.eqiad.wmnet', reason: 'other reason - bob@x', dryRun: true }));
    expect(isCutoverError(error, 'puppet.reason-mismatch')).toBe(true);
  });
});

