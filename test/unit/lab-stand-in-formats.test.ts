/**
 * The stand-ins' formatting against what the real tools printed: cumin's report against the
 * captures of cumin 4.2.0 (../shared/reference/cumin-transcripts.md §2, §4, §8), byte for byte
 * apart from the tqdm progress bars, which the bot's parser skips. Plus the lab's aliases and the
 * target-host word splitting.
 */
import { describe, expect, it } from 'vitest';
import { parseCuminOutput } from '../../adapters/puppet/cumin-output.js';
import { expandNodeSet, foldNodeSet, forceLine, formatCuminReport, shortCommand, targetedLines } from '../../lab/stand-ins/cumin-report.js';
import { shellWords } from '../../lab/stand-ins/shell-words.js';
import { labAliases } from '../../lab/stand-ins/topology-file.js';

const E = '\u001b';
const OK = 'Notice: Applied catalog in 4.20 seconds';
const FAIL = 'Error: Could not retrieve catalog from remote server: Error 500';
const HOSTS = ['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet', 'maps1007.eqiad.wmnet'];

function lastLines(text: string, count: number): string[] {
  return text.trimEnd().split('\n').slice(-count);
}

describe("cumin's report as captured", () => {
  it('§2: -b 2, a batch with a failure, the last host never run (exit 2)', () => {
    const report = formatCuminReport({
      command: 'lab-agent fail',
      targets: HOSTS,
      results: [
        { host: 'maps1005.eqiad.wmnet', status: 'success', output: OK },
        { host: 'maps1006.eqiad.wmnet', status: 'failed', output: FAIL },
      ],
      color: true,
    });
    expect(report.exitCode).toBe(2);
    expect(report.stdout).toBe(
      [
        `${E}[34m===== NODE GROUP =====${E}[39m`,
        `${E}[36m(1) maps1005.eqiad.wmnet${E}[39m`,
        `${E}[34m----- OUTPUT of 'lab-agent fail' -----${E}[39m`,
        OK,
        `${E}[34m===== NODE GROUP =====${E}[39m`,
        `${E}[36m(1) maps1006.eqiad.wmnet${E}[39m`,
        `${E}[34m----- OUTPUT of 'lab-agent fail' -----${E}[39m`,
        FAIL,
        `${E}[34m================${E}[39m`,
        '',
      ].join('\n'),
    );
    expect(lastLines(report.stderr, 3)).toEqual([
      `${E}[31m33.3% (1/3) of nodes failed to execute command 'lab-agent fail': ${E}[39m${E}[36mmaps1006.eqiad.wmnet${E}[39m`,
      `${E}[31m33.3% (1/3) success ratio (< 100.0% threshold) for command: 'lab-agent fail'. Aborting.: ${E}[39m${E}[36mmaps1005.eqiad.wmnet${E}[39m`,
      `${E}[31m33.3% (1/3) success ratio (< 100.0% threshold) of nodes successfully executed all commands. Aborting.: ${E}[39m${E}[36mmaps1005.eqiad.wmnet${E}[39m`,
    ]);
    // What the stand-in writes before the report, then the report: the bot's parser reads it all.
    const stderr = `${targetedLines(HOSTS, true)}${forceLine(true)}${report.stderr}`;
    expect(targetedLines(HOSTS, true)).toBe(`${E}[33m3 hosts will be targeted:${E}[39m\n${E}[33m${E}[36mmaps[1005-1007].eqiad.wmnet${E}[39m${E}[39m\n`);
    expect(parseCuminOutput(report.stdout, stderr)).toMatchObject({ targeted: HOSTS, succeeded: ['maps1005.eqiad.wmnet'], failed: ['maps1006.eqiad.wmnet'], timedOut: [] });
  });

  it('§4: a host caught by -t is reported as timeout', () => {
    const report = formatCuminReport({
      command: 'lab-agent slow',
      targets: HOSTS,
      results: [
        { host: 'maps1005.eqiad.wmnet', status: 'success', output: OK },
        { host: 'maps1006.eqiad.wmnet', status: 'success', output: OK },
        { host: 'maps1007.eqiad.wmnet', status: 'timeout', output: '' },
      ],
      color: true,
    });
    expect(report.stdout).toBe(`${E}[34m===== NODE GROUP =====${E}[39m\n${E}[36m(2) maps[1005-1006].eqiad.wmnet${E}[39m\n${E}[34m----- OUTPUT of 'lab-agent slow' -----${E}[39m\n${OK}\n${E}[34m================${E}[39m\n`);
    expect(lastLines(report.stderr, 3)).toEqual([
      `${E}[31m33.3% (1/3) of nodes timeout to execute command 'lab-agent slow': ${E}[39m${E}[36mmaps1007.eqiad.wmnet${E}[39m`,
      `${E}[31m66.7% (2/3) success ratio (< 100.0% threshold) for command: 'lab-agent slow'. Aborting.: ${E}[39m${E}[36mmaps[1005-1006].eqiad.wmnet${E}[39m`,
      `${E}[31m66.7% (2/3) success ratio (< 100.0% threshold) of nodes successfully executed all commands. Aborting.: ${E}[39m${E}[36mmaps[1005-1006].eqiad.wmnet${E}[39m`,
    ]);
  });

  it('§8: one host that fails', () => {
    const report = formatCuminReport({ command: 'lab-agent fail', targets: ['maps1006.eqiad.wmnet'], results: [{ host: 'maps1006.eqiad.wmnet', status: 'failed', output: FAIL }], color: true });
    expect(report.stdout).toBe(`${E}[34m----- OUTPUT of 'lab-agent fail' -----${E}[39m\n${FAIL}\n${E}[34m================${E}[39m\n`);
    expect(lastLines(report.stderr, 2)).toEqual([
      `${E}[31m0.0% (0/1) success ratio (< 100.0% threshold) for command: 'lab-agent fail'. Aborting.${E}[39m`,
      `${E}[31m0.0% (0/1) success ratio (< 100.0% threshold) of nodes successfully executed all commands. Aborting.${E}[39m`,
    ]);
  });

  it("shortens long commands as cumin's Command.shortened(35) does, and folds node sets as ClusterShell", () => {
    expect(shortCommand('long-command --with --many --options and arguments')).toBe('long-command --w...ns and arguments');
    expect(foldNodeSet(['maps1007.eqiad.wmnet', 'maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet', 'lvs1019.eqiad.wmnet'])).toBe('maps[1005-1007].eqiad.wmnet,lvs1019.eqiad.wmnet');
    expect(expandNodeSet('maps[1005,1007].eqiad.wmnet,cp1075.eqiad.wmnet')).toEqual(['maps1005.eqiad.wmnet', 'maps1007.eqiad.wmnet', 'cp1075.eqiad.wmnet']);
  });
});

describe('the lab topology file', () => {
  it('gives the aliases production names, per role and DC, and lets the file add its own', () => {
    const aliases = labAliases({
      hosts: [
        { fqdn: 'maps1005.eqiad.wmnet', dc: 'eqiad', role: 'maps', address: '127.20.1.1' },
        { fqdn: 'maps2009.codfw.wmnet', dc: 'codfw', role: 'maps', address: '127.21.1.1' },
        { fqdn: 'wikikube-worker1001.eqiad.wmnet', dc: 'eqiad', role: 'worker', address: '127.20.2.1' },
        { fqdn: 'lvs1019.eqiad.wmnet', dc: 'eqiad', role: 'lvs', address: '127.20.3.1' },
        { fqdn: 'cp1075.eqiad.wmnet', dc: 'eqiad', role: 'cache', address: '127.20.4.1' },
      ],
      aliases: { 'maps-canary': ['maps1005.eqiad.wmnet'] },
    });
    expect(aliases).toMatchObject({
      maps: ['maps1005.eqiad.wmnet', 'maps2009.codfw.wmnet'],
      'maps-eqiad': ['maps1005.eqiad.wmnet'],
      'maps-codfw': ['maps2009.codfw.wmnet'],
      'wikikube-worker-eqiad': ['wikikube-worker1001.eqiad.wmnet'],
      'lvs-eqiad': ['lvs1019.eqiad.wmnet'],
      'cp-upload-eqiad': ['cp1075.eqiad.wmnet'],
      'maps-canary': ['maps1005.eqiad.wmnet'],
    });
  });
});

describe("the target host's word splitting", () => {
  it('reads what quoteForTargetShell writes and refuses shell syntax', () => {
    expect(shellWords(`run-puppet-agent --enable 'it'\\''s "fine" $HOME; rm -rf /'`)).toEqual(['run-puppet-agent', '--enable', `it's "fine" $HOME; rm -rf /`]);
    expect(shellWords('disable-puppet "a b"')).toEqual(['disable-puppet', 'a b']);
    expect(() => shellWords('run-puppet-agent; reboot')).toThrow(/one plain command/);
    expect(() => shellWords('echo $(id)')).toThrow(/one plain command/);
  });
});
