import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeConfctl, type FakeConfctl, type FakeConfctlState } from '../helpers/fake-confctl/fake-confctl.js';

/**
 * The stand-in confctl against the real one: every expected line below is copied from
 * /work/shared/reference/confctl-transcripts.md (conftool 3.0.1), with stdout and stderr
 * apart (Transcript 1 shows them together; lines starting WARNING:, ERROR: and the traceback
 * are stderr, as Transcript 2 shows). The scenarios run in the transcripts' order on the same
 * state, so each one also checks what the ones before it stored. Not reproduced: `tags` mode.
 */

const IRC = 'WARNING:conftool:Skipped configuration of IRC handler, invalid parameters: host=, port=0';
const POOL = 'eqiad/maps/kartotherian-k8s-ssl';
const TAGS = 'dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl';

interface Scenario {
  /** The transcript's `$ confctl ...` line, split on spaces: it shows argv, no shell quoting. */
  command: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

const lines = (...text: string[]): string => text.map((line) => `${line}\n`).join('');
const scenario = (command: string, exitCode: number, stdout: string, ...stderr: string[]): Scenario => ({ command, stdout, stderr: lines(IRC, ...stderr), exitCode });

/** Transcript 1's seed, in the order its pool-wide get lists the objects (etcd's own order). */
const TRANSCRIPT_1_SEED: FakeConfctlState = Object.fromEntries(
  ['wikikube-worker1004', 'maps1013', 'maps1014', 'wikikube-worker1002', 'wikikube-worker1003', 'maps1012', 'wikikube-worker1001'].map((host) => [
    `${POOL}/${host}.eqiad.wmnet`,
    { weight: 0, pooled: 'inactive' },
  ]),
);

const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "<venv>/bin/confctl", line 8, in <module>',
  '    sys.exit(main())',
  '             ^^^^^^',
  '  File "<venv>/lib/python3.11/site-packages/conftool/cli/tool.py", line 359, in main',
  '    if not cli.run_action(unit):',
  '           ^^^^^^^^^^^^^^^^^^^^',
  '  File "<venv>/lib/python3.11/site-packages/conftool/cli/tool.py", line 181, in run_action',
  '    return self._run_action()',
  '           ^^^^^^^^^^^^^^^^^^',
  '  File "<venv>/lib/python3.11/site-packages/conftool/cli/tool.py", line 44, in _run_action',
  '    for obj in self.host_list():',
  '               ^^^^^^^^^^^^^^^^',
  '  File "<venv>/lib/python3.11/site-packages/conftool/cli/tool.py", line 175, in host_list',
  '    self.raise_warning(objects)',
  '  File "<venv>/lib/python3.11/site-packages/conftool/cli/tool.py", line 201, in raise_warning',
  '    a = input("confctl>")',
  '        ^^^^^^^^^^^^^^^^^',
  'EOFError: EOF when reading a line',
];

const TRANSCRIPT_1: Scenario[] = [
  scenario(
    'select name=wikikube-worker1001.eqiad.wmnet,service=kartotherian-k8s-ssl get',
    0,
    lines('{"wikikube-worker1001.eqiad.wmnet": {"weight": 0, "pooled": "inactive"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}'),
  ),
  scenario(
    '--quiet select name=wikikube-worker1001\\.eqiad\\.wmnet,dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl get',
    0,
    lines('{"wikikube-worker1001.eqiad.wmnet": {"weight": 0, "pooled": "inactive"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}'),
  ),
  scenario(
    'select name=wikikube-worker1001.eqiad.wmnet,service=kartotherian-k8s-ssl set/pooled=yes:weight=10',
    0,
    lines('eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet: pooled changed inactive => yes', 'eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet: weight changed 0 => 10'),
    'WARNING:conftool.announce:conftool action : set/pooled=yes:weight=10; selector: name=wikikube-worker1001.eqiad.wmnet,service=kartotherian-k8s-ssl',
  ),
  scenario(
    '--quiet select name=wikikube-worker1001\\.eqiad\\.wmnet,dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl set/pooled=yes:weight=10',
    0,
    lines('eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet: weight changed 10 => 10'),
  ),
  scenario(
    '--quiet select name=wikikube-worker1002\\.eqiad\\.wmnet,dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl set/weight=8',
    0,
    lines('eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1002.eqiad.wmnet: weight changed 0 => 8'),
  ),
  scenario(
    'select name=maps1013.eqiad.wmnet,service=kartotherian-k8s-ssl set/pooled=no',
    0,
    lines('eqiad/maps/kartotherian-k8s-ssl/maps1013.eqiad.wmnet: pooled changed inactive => no'),
    'WARNING:conftool.announce:conftool action : set/pooled=no; selector: name=maps1013.eqiad.wmnet,service=kartotherian-k8s-ssl',
  ),
  scenario(
    'depool --hostname maps1012.eqiad.wmnet --service kartotherian-k8s-ssl',
    0,
    lines('eqiad/maps/kartotherian-k8s-ssl/maps1012.eqiad.wmnet: pooled changed inactive => no'),
    'WARNING:conftool.announce:conftool action : set/pooled=no; selector: name=maps1012.eqiad.wmnet,service=kartotherian-k8s-ssl',
  ),
  scenario(
    'pool --hostname maps1012.eqiad.wmnet --service kartotherian-k8s-ssl',
    0,
    lines('eqiad/maps/kartotherian-k8s-ssl/maps1012.eqiad.wmnet: pooled changed no => yes'),
    'WARNING:conftool.announce:conftool action : set/pooled=yes; selector: name=maps1012.eqiad.wmnet,service=kartotherian-k8s-ssl',
  ),
  scenario(
    'select dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl get',
    0,
    lines(
      '{"wikikube-worker1004.eqiad.wmnet": {"weight": 0, "pooled": "inactive"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}',
      '{"maps1013.eqiad.wmnet": {"weight": 0, "pooled": "no"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}',
      '{"maps1014.eqiad.wmnet": {"weight": 0, "pooled": "inactive"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}',
      '{"wikikube-worker1002.eqiad.wmnet": {"weight": 8, "pooled": "inactive"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}',
      '{"wikikube-worker1003.eqiad.wmnet": {"weight": 0, "pooled": "inactive"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}',
      '{"maps1012.eqiad.wmnet": {"weight": 0, "pooled": "yes"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}',
      '{"wikikube-worker1001.eqiad.wmnet": {"weight": 10, "pooled": "yes"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}',
    ),
  ),
  scenario('select name=nonexistent.eqiad.wmnet get', 0, ''),
  scenario('select name=nonexistent.eqiad.wmnet set/pooled=yes', 0, '', 'WARNING:conftool.announce:conftool action : set/pooled=yes; selector: name=nonexistent.eqiad.wmnet'),
  scenario(
    'select name=wikikube-worker1001.eqiad.wmnet,service=kartotherian-k8s-ssl set/pooled=maybe',
    1,
    '',
    "ERROR:conftool:Invalid action, reason: The provided data is not valid: maybe not in 'yes | no | inactive'",
  ),
  scenario(
    'select name=wikikube-worker1001.eqiad.wmnet,service=kartotherian-k8s-ssl set/weight=abc',
    1,
    '',
    "ERROR:conftool:Invalid action, reason: The provided data is not valid: invalid literal for int() with base 10: 'abc'",
  ),
  scenario(
    'select name=wikikube-worker100[12].eqiad.wmnet,service=kartotherian-k8s-ssl set/pooled=inactive',
    1,
    `${lines('The selector you chose has selected the following objects:', '{"/eqiad/maps/kartotherian-k8s-ssl": ["wikikube-worker1001.eqiad.wmnet", "wikikube-worker1002.eqiad.wmnet"]}', 'Ok to continue? [y/N]')}confctl>`,
    ...TRACEBACK,
  ),
  scenario(
    'select name=wikikube-worker1001.eqiad.wmnet,service=kartotherian-k8s-ssl set/pooled=yes:weight=10',
    0,
    lines('eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1001.eqiad.wmnet: weight changed 10 => 10'),
    'WARNING:conftool.announce:conftool action : set/pooled=yes:weight=10; selector: name=wikikube-worker1001.eqiad.wmnet,service=kartotherian-k8s-ssl',
  ),
  scenario(
    '--object-type node select dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl,name=maps1014.* get',
    0,
    lines('{"maps1014.eqiad.wmnet": {"weight": 0, "pooled": "inactive"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}'),
  ),
];

/** Transcript 2's seed: worker1003 carries a field conftool's schema does not have. */
const TRANSCRIPT_2_SEED: FakeConfctlState = {
  [`${POOL}/wikikube-worker1003.eqiad.wmnet`]: { weight: 10, pooled: 'inactive', reason: 'T1' },
  [`${POOL}/wikikube-worker1004.eqiad.wmnet`]: { weight: 0, pooled: 'inactive' },
};

const SELECT_1003 = `name=wikikube-worker1003\\.eqiad\\.wmnet,${TAGS}`;
const SELECT_1004 = `name=wikikube-worker1004\\.eqiad\\.wmnet,${TAGS}`;

const TRANSCRIPT_2: Scenario[] = [
  scenario(`--quiet select ${SELECT_1003} get`, 0, lines('{"wikikube-worker1003.eqiad.wmnet": {"weight": 10, "pooled": "inactive"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl"}')),
  scenario(`--quiet select ${SELECT_1003} set/pooled=yes`, 0, lines('eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1003.eqiad.wmnet: pooled changed inactive => yes')),
  scenario(`--quiet select ${SELECT_1003} set/pooled=yes`, 0, ''),
  scenario(
    `--quiet select ${SELECT_1004} set/pooled=no:weight=5`,
    0,
    lines('eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1004.eqiad.wmnet: pooled changed inactive => no', 'eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1004.eqiad.wmnet: weight changed 0 => 5'),
  ),
  scenario(
    `select ${SELECT_1004} set/pooled=no:weight=5`,
    0,
    lines('eqiad/maps/kartotherian-k8s-ssl/wikikube-worker1004.eqiad.wmnet: weight changed 5 => 5'),
    'WARNING:conftool.announce:conftool action : set/pooled=no:weight=5; selector: name=wikikube-worker1004\\.eqiad\\.wmnet,dc=eqiad,cluster=maps,service=kartotherian-k8s-ssl',
  ),
];

describe('the stand-in confctl answers as conftool 3.0.1 does (confctl-transcripts.md)', () => {
  let fake: FakeConfctl;

  beforeEach(async () => {
    fake = await createFakeConfctl();
  });

  afterEach(async () => {
    await fake.dispose();
  });

  async function run(command: string): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
    // No stdin, as under the command runner: the multi-object prompt reads EOF.
    const result = await execa('confctl', command.split(' '), { env: fake.env, extendEnv: false, stdin: 'ignore', reject: false, stripFinalNewline: false, timeout: 10_000 });
    return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
  }

  it('Transcript 1: gets, sets, pool/depool, no match, invalid values, the multi-object prompt', async () => {
    await fake.setState(TRANSCRIPT_1_SEED);
    for (const expected of TRANSCRIPT_1) {
      expect({ command: expected.command, ...(await run(expected.command)) }).toEqual(expected);
    }
  });

  it('Transcript 2: get hides a field outside the schema, set keeps it in place', async () => {
    await fake.setState(TRANSCRIPT_2_SEED);
    const [get, set, ...rest] = TRANSCRIPT_2;
    for (const expected of [get, set]) {
      if (expected !== undefined) expect({ command: expected.command, ...(await run(expected.command)) }).toEqual(expected);
    }
    // "raw after": {"weight": 10, "pooled": "yes", "reason": "T1"}, in that order.
    expect(JSON.stringify((await fake.state())[`${POOL}/wikikube-worker1003.eqiad.wmnet`])).toBe('{"weight":10,"pooled":"yes","reason":"T1"}');
    for (const expected of rest) {
      expect({ command: expected.command, ...(await run(expected.command)) }).toEqual(expected);
    }
  });
});
