import { describe, expect, it } from 'vitest';
import { parseCuminOutput } from '../../adapters/puppet/cumin-output.js';
import { classifyPuppetRun } from '../../adapters/puppet/puppet-output.js';

const NOOP = (host: string, seconds: string): string =>
  [
    "Info: Using environment 'production'",
    'Info: Retrieving pluginfacts',
    'Info: Retrieving plugin',
    'Info: Loading facts',
    `Info: Caching catalog for ${host}`,
    "Info: Applying configuration version '(8d3c2b1a0f) jdoe - maps: add kartotherian-k8s-ssl'",
    `Notice: Applied catalog in ${seconds} seconds`,
  ].join('\n');

const CHANGED = [
  "Info: Using environment 'production'",
  'Info: Caching catalog for maps1006.eqiad.wmnet',
  'Notice: /Stage[main]/Profile::Maps::Tlsproxy/Nginx::Site[kartotherian-6543]/File[/etc/nginx/sites-available/kartotherian-6543]/ensure: defined content as \'{md5}3f2a\'',
  'Info: /Stage[main]/Profile::Maps::Tlsproxy/Nginx::Site[kartotherian-6543]/File[/etc/nginx/sites-available/kartotherian-6543]: Scheduling refresh of Service[nginx]',
  'Notice: /Stage[main]/Ferm/File[/etc/ferm/conf.d/10_kartotherian-6543]/content: ',
  '--- /etc/ferm/conf.d/10_kartotherian-6543\t2025-01-10 10:00:00 +0000',
  '+++ /tmp/puppet-file20250115-1-x\t2025-01-15 12:00:00 +0000',
  '@@ -1 +1 @@',
  '-Error: this looks like an error but is file content',
  '+&R_SERVICE(tcp, 6543, $DOMAIN_NETWORKS);',
  "Notice: /Stage[main]/Ferm/File[/etc/ferm/conf.d/10_kartotherian-6543]/content: content changed '{md5}aa' to '{md5}bb'",
  "Notice: /Stage[main]/Nginx/Service[nginx]: Triggered 'refresh' from 1 event",
  'Notice: Applied catalog in 21.07 seconds',
].join('\n');

const CATALOG_FAILURE = [
  "Info: Using environment 'production'",
  'Error: Could not retrieve catalog from remote server: Error 500 on SERVER: Server Error: Evaluation Error: Duplicate declaration: Ferm::Service[kartotherian-6543] is already declared',
  'Warning: Not using cache on failed catalog',
  'Error: Could not retrieve catalog; skipping run',
].join('\n');

/** Three hosts, batch 1, the third fails: cumin (sync mode, 100% threshold) reports and aborts; maps1008 never ran. */
const STDOUT = [
  '===== NODE GROUP =====',
  '(1) maps1005.eqiad.wmnet',
  "----- OUTPUT of 'run-puppet-agent' -----",
  NOOP('maps1005.eqiad.wmnet', '9.12'),
  '===== NODE GROUP =====',
  '(1) maps1006.eqiad.wmnet',
  "----- OUTPUT of 'run-puppet-agent' -----",
  CHANGED,
  '===== NODE GROUP =====',
  '(1) maps1007.eqiad.wmnet',
  "----- OUTPUT of 'run-puppet-agent' -----",
  CATALOG_FAILURE,
  '================',
  '',
].join('\n');

const STDERR = [
  '4 hosts will be targeted:',
  '\u001b[36mmaps[1005-1008].eqiad.wmnet\u001b[39m',
  'FORCE mode enabled, continuing without confirmation',
  '\rPASS |██████▌        |  50% (2/4) [00:41<00:20, 10.2s/hosts]\rFAIL |██▎            |  25% (1/4) [00:41<00:40, 10.2s/hosts]',
  "\r                                          \r\u001b[31m25.0% (1/4) of nodes failed to execute command 'run-puppet-agent': \u001b[36mmaps1007.eqiad.wmnet\u001b[39m",
  "\u001b[31m50.0% (2/4) success ratio (< 100.0% threshold) for command: 'run-puppet-agent'. Aborting.: \u001b[36mmaps[1005-1006].eqiad.wmnet\u001b[39m",
  '\u001b[31m50.0% (2/4) success ratio (< 100.0% threshold) of nodes successfully executed all commands. Aborting.: \u001b[36mmaps[1005-1006].eqiad.wmnet\u001b[39m',
  '',
].join('\n');

describe('parseCuminOutput', () => {
  it('reads the targeted hosts, each NODE GROUP, and who succeeded, failed or never ran', () => {
    const report = parseCuminOutput(STDOUT, STDERR);
    expect(report.targeted).toEqual(['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet', 'maps1007.eqiad.wmnet', 'maps1008.eqiad.wmnet']);
    expect(report.noHosts).toBe(false);
    expect(report.groups.map((group) => group.hosts)).toEqual([['maps1005.eqiad.wmnet'], ['maps1006.eqiad.wmnet'], ['maps1007.eqiad.wmnet']]);
    expect(report.groups[1]?.output).toBe(CHANGED);
    expect(report.succeeded).toEqual(['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet']);
    expect(report.failed).toEqual(['maps1007.eqiad.wmnet']);
    expect(report.timedOut).toEqual([]);
  });

  it('gives a group of hosts with identical output to every host in it', () => {
    const stdout = ['===== NODE GROUP =====', '(2) maps[1009-1010].eqiad.wmnet', "----- OUTPUT of 'run-puppet-agent' -----", NOOP('x', '8.00'), '================'].join('\n');
    const stderr = '2 hosts will be targeted:\nmaps[1009-1010].eqiad.wmnet\nFORCE mode enabled, continuing without confirmation\n100.0% (2/2) success ratio (>= 100.0% threshold) of nodes successfully executed all commands.\n';
    const report = parseCuminOutput(stdout, stderr);
    expect(report.groups).toEqual([{ hosts: ['maps1009.eqiad.wmnet', 'maps1010.eqiad.wmnet'], output: NOOP('x', '8.00') }]);
    expect(report.succeeded).toEqual(['maps1009.eqiad.wmnet', 'maps1010.eqiad.wmnet']);
  });

  it('reads one host, whose output cumin streams without a NODE GROUP header', () => {
    const stdout = `----- OUTPUT of 'run-puppet-agent' -----\n${NOOP('maps1009.eqiad.wmnet', '7.50')}\n================\n`;
    const stderr = '1 hosts will be targeted:\nmaps1009.eqiad.wmnet\nFORCE mode enabled, continuing without confirmation\n100.0% (1/1) success ratio (>= 100.0% threshold) of nodes successfully executed all commands.\n';
    const report = parseCuminOutput(stdout, stderr);
    expect(report.groups).toEqual([{ hosts: ['maps1009.eqiad.wmnet'], output: NOOP('maps1009.eqiad.wmnet', '7.50') }]);
  });

  it('reads disable-puppet, which prints nothing, and timeouts', () => {
    const stderr = [
      '3 hosts will be targeted:',
      'maps[1005-1007].eqiad.wmnet',
      'FORCE mode enabled, continuing without confirmation',
      "33.3% (1/3) of nodes timeout to execute command 'disable-puppet 'pool ...alice@cumin1002'': maps1007.eqiad.wmnet",
      "66.7% (2/3) success ratio (< 100.0% threshold) for command: 'disable-puppet 'pool ...alice@cumin1002''. Aborting.: maps[1005-1006].eqiad.wmnet",
      '66.7% (2/3) success ratio (< 100.0% threshold) of nodes successfully executed all commands. Aborting.: maps[1005-1006].eqiad.wmnet',
    ].join('\n');
    const report = parseCuminOutput('===== NO OUTPUT =====\n', stderr);
    expect(report.groups).toEqual([]);
    expect(report.timedOut).toEqual(['maps1007.eqiad.wmnet']);
    expect(report.succeeded).toEqual(['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet']);
  });

  it('knows "No hosts found", and has no targets for output that is not cumin\'s', () => {
    expect(parseCuminOutput('', 'No hosts found that matches the query\n').noHosts).toBe(true);
    const garbage = parseCuminOutput('\u0000\u00ff{{{', 'Traceback (most recent call last):\n  File "/usr/bin/cumin"');
    expect(garbage.targeted).toBeNull();
    expect(garbage.succeeded).toBeNull();
  });

  it('does not trust a target count that disagrees with the node set', () => {
    expect(parseCuminOutput('', '3 hosts will be targeted:\nmaps1005.eqiad.wmnet\n').targeted).toBeNull();
  });
});

describe('classifyPuppetRun', () => {
  it('no change: the catalog was applied and no resource was touched', () => {
    expect(classifyPuppetRun(NOOP('maps1005.eqiad.wmnet', '9.12'), true)).toEqual({ status: 'no-change', changedResources: 0, detail: 'no changes (catalog applied in 9.12 s)' });
  });

  it('changed: counts distinct resources with a notice, not diff lines or Info lines', () => {
    expect(classifyPuppetRun(CHANGED, true)).toEqual({ status: 'changed', changedResources: 3, detail: '3 resources changed (catalog applied in 21.07 s)' });
  });

  it('failed: a catalog that could not be compiled', () => {
    expect(classifyPuppetRun(CATALOG_FAILURE, false)).toMatchObject({ status: 'failed', detail: expect.stringMatching(/^Could not retrieve catalog from remote server: Error 500/) as unknown });
  });

  it('failed: a resource failed even though run-puppet-agent exited 0', () => {
    const output = `${NOOP('maps1005.eqiad.wmnet', '9.12')}\nError: /Stage[main]/Nginx/Service[nginx]/ensure: change from 'stopped' to 'running' failed: Systemd start for nginx failed!`;
    expect(classifyPuppetRun(output, true)).toMatchObject({ status: 'failed', detail: expect.stringContaining('Systemd start for nginx failed') as unknown });
  });

  it('failed: puppet is administratively disabled, with the reason it was disabled for', () => {
    const output = "Notice: Skipping run of Puppet configuration client; administratively disabled (Reason: 'pool maps - alice@cumin1002 - T378944');\nUse 'puppet agent --enable' to re-enable.";
    expect(classifyPuppetRun(output, false)).toEqual({ status: 'failed', changedResources: 0, detail: 'puppet is disabled: pool maps - alice@cumin1002 - T378944' });
  });

  it('failed: another run never finished, or the run never got to apply a catalog', () => {
    expect(classifyPuppetRun('Waited 120 seconds and a preceding puppet run is still ongoing, aborting', false).detail).toMatch(/preceding puppet run/);
    expect(classifyPuppetRun("Info: Using environment 'production'", true)).toMatchObject({ status: 'failed', detail: expect.stringContaining('Applied catalog') as unknown });
    expect(classifyPuppetRun('', false)).toMatchObject({ status: 'failed', detail: 'run-puppet-agent failed without output' });
  });
});
