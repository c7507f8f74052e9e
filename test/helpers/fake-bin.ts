/**
 * Stub executables (helmfile, kubectl, cumin, ssh, sudo) in a temp dir, with their state and
 * control files. Adapters run them through the real command runner by putting `env.PATH` (and
 * the file variables) in the runner's `env` option; tests then read back the argv each stub got
 * and set faults (fail, hang, garbage) per tool or per `tool subcommand`.
 */
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execScript } from '../../lab/stand-ins/bin-dir.js';
import type { PodState } from '../../lab/stand-ins/kube-output.js';
import type { PuppetOutcome } from '../../lab/stand-ins/puppet-agent.js';

export const FAKE_TOOLS = ['helmfile', 'kubectl', 'cumin', 'ssh', 'sudo'] as const;
export type FakeTool = (typeof FAKE_TOOLS)[number];

export interface FakeCall {
  tool: FakeTool;
  argv: string[];
  cwd: string;
  /** helmfile only: the SUPPRESS_SAL it saw (null when unset). */
  suppressSal?: string | null;
}

export interface Fault {
  mode: 'fail' | 'hang' | 'garbage';
  exitCode?: number;
  stdout?: string;
  stderr?: string;
}

export interface FakeRelease {
  replicas: number;
  imageTag: string;
  configChecksum: string;
  numWorkers: number;
  nodePort: number;
  chartVersion: string;
}

export type FakePodState = PodState;
export type FakePuppetOutcome = PuppetOutcome;

export interface FakeState {
  helm: {
    /** What is deployed per helmfile environment. */
    environments: Record<string, FakeRelease>;
    /** What the chart and values in the release dir would deploy. */
    desired: FakeRelease;
    /** Lines the helmfile_log_sal hook would have sent to the SAL. */
    sal: string[];
    revision: number;
  };
  kube: {
    namespace: string;
    deployment: string;
    /** Contexts kubectl knows; a --context not listed is an error. */
    contexts: string[];
    exists: boolean;
    rollout: 'complete' | 'stuck';
    replicas: number;
    updated: number;
    pods: { name: string; state: FakePodState; restarts?: number }[];
  };
  cumin: {
    aliases: Record<string, string[]>;
    hosts: Record<string, { puppet: FakePuppetOutcome; disabled: string | null }>;
  };
}

export interface FakeBin {
  dir: string;
  binDir: string;
  /** For the runner's `env`: PATH with the stubs first, and where they log and keep state. */
  env: Record<string, string>;
  calls(tool?: FakeTool): Promise<FakeCall[]>;
  clearCalls(): Promise<void>;
  state(): Promise<FakeState>;
  updateState(edit: (state: FakeState) => void): Promise<void>;
  /** Sets (or, with undefined, clears) the fault for `tool` or `tool subcommand`, e.g. "helmfile apply". */
  fault(key: string, fault: Fault | undefined): Promise<void>;
  cleanup(): Promise<void>;
}

/** ssh and sudo: plain CommonJS scripts. */
const STUBS = join(import.meta.dirname, 'fake-bin');
/** cumin, helmfile, kubectl: TypeScript run with tsx, printing through the lab's stand-in formatting (lab/stand-ins). */
const TOOLS = join(import.meta.dirname, 'fake-bin-tools');
const TS_TOOLS: ReadonlySet<FakeTool> = new Set(['cumin', 'helmfile', 'kubectl']);
const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');

export const BASE_RELEASE: FakeRelease = {
  replicas: 10,
  imageTag: '2025-01-08-101500-production',
  configChecksum: '5c1d0e4b9a7f',
  numWorkers: 8,
  nodePort: 6543,
  chartVersion: '1.4.2',
};

function pods(count: number, prefix = 'kartotherian-main-6d5f8c9b7d'): FakeState['kube']['pods'] {
  return Array.from({ length: count }, (_, index) => ({ name: `${prefix}-${String.fromCharCode(97 + (index % 26))}${index}x7q`, state: 'ready' as const }));
}

export function defaultFakeState(): FakeState {
  return {
    helm: {
      environments: { staging: { ...BASE_RELEASE }, eqiad: { ...BASE_RELEASE }, codfw: { ...BASE_RELEASE } },
      desired: { ...BASE_RELEASE },
      sal: [],
      revision: 41,
    },
    kube: {
      namespace: 'kartotherian',
      deployment: 'kartotherian-main',
      contexts: ['staging', 'eqiad', 'codfw'],
      exists: true,
      rollout: 'complete',
      replicas: 10,
      updated: 10,
      pods: pods(10),
    },
    cumin: {
      aliases: {
        'maps-eqiad': ['maps1005.eqiad.wmnet', 'maps1006.eqiad.wmnet', 'maps1007.eqiad.wmnet'],
        'maps-canary': ['maps1009.eqiad.wmnet'],
      },
      hosts: Object.fromEntries(
        ['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010'].map((name) => [`${name}.eqiad.wmnet`, { puppet: 'noop' as const, disabled: null }]),
      ),
    },
  };
}

export async function createFakeBin(edit?: (state: FakeState) => void): Promise<FakeBin> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-fake-bin-'));
  const binDir = join(dir, 'bin');
  await mkdir(binDir);
  for (const tool of FAKE_TOOLS) {
    if (TS_TOOLS.has(tool)) await writeFile(join(binDir, tool), execScript([process.execPath, '--import', TSX_LOADER, join(TOOLS, `${tool}.ts`)]));
    else await copyFile(join(STUBS, tool), join(binDir, tool));
    await chmod(join(binDir, tool), 0o755);
  }
  // The stubs are CommonJS; say so wherever they live.
  await writeFile(join(binDir, 'package.json'), '{"type":"commonjs"}\n');
  const files = { log: join(dir, 'calls.jsonl'), state: join(dir, 'state.json'), control: join(dir, 'control.json') };
  const initial = defaultFakeState();
  edit?.(initial);
  await writeFile(files.state, JSON.stringify(initial, null, 2));
  await writeFile(files.control, '{"faults":{}}\n');
  await writeFile(files.log, '');

  const readState = async (): Promise<FakeState> => JSON.parse(await readFile(files.state, 'utf8')) as FakeState;
  return {
    dir,
    binDir,
    env: {
      // node for the stubs' #! line, sh for ssh and cumin, then the stubs ahead of any real tool.
      PATH: [binDir, dirname(process.execPath), '/usr/bin', '/bin'].join(':'),
      FAKE_BIN_LOG: files.log,
      FAKE_BIN_STATE: files.state,
      FAKE_BIN_CONTROL: files.control,
    },
    async calls(tool) {
      const text = await readFile(files.log, 'utf8');
      const calls = text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as FakeCall);
      return tool === undefined ? calls : calls.filter((call) => call.tool === tool);
    },
    async clearCalls() {
      await writeFile(files.log, '');
    },
    state: readState,
    async updateState(change) {
      const state = await readState();
      change(state);
      await writeFile(files.state, JSON.stringify(state, null, 2));
    },
    async fault(key, fault) {
      const control = JSON.parse(await readFile(files.control, 'utf8')) as { faults: Record<string, Fault> };
      if (fault === undefined) delete control.faults[key];
      else control.faults[key] = fault;
      await writeFile(files.control, JSON.stringify(control));
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What a POSIX shell makes of a command line: the words it would pass to the program. Used to
 * show that a string the runner built for the remote side parses back to the original argv.
 */
export function shellWords(commandLine: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${commandLine}`], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  return out.split('\0').slice(0, -1);
}
