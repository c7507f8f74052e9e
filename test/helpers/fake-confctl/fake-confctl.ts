import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PoolState } from '../../../core/pool-state.js';

/** The directory holding the fake `confctl` executable. */
const BIN = dirname(fileURLToPath(import.meta.url));

/** What the fake should do on its next runs; see ./confctl. */
export interface FakeConfctlControl {
  fail?: { on?: 'get' | 'set' | 'any'; exitCode?: number; stderr?: string };
  garbage?: string;
  /** Print the garbage only for this kind of run (default: every run). */
  garbageOn?: 'get' | 'set';
  hang?: boolean;
  ignoreName?: boolean;
  silentSetFailure?: string;
  /** Stored right after a set printed its changes, as if another operator wrote in between. */
  overwriteAfterSet?: Partial<PoolState>;
}

/** A stored value: the fields cutover owns and any others (`"reason": "T1"`), in stored order. */
export type FakeConfctlValue = PoolState & Readonly<Record<string, unknown>>;

/** Keys are `<dc>/<cluster>/<service>/<name>`, as under /conftool/v1/pools/. */
export type FakeConfctlState = Record<string, FakeConfctlValue>;

export interface FakeConfctl {
  readonly dir: string;
  /** Environment for the command runner: the fake first on PATH, and where it keeps its state. */
  readonly env: Readonly<Record<string, string>>;
  setState(state: FakeConfctlState): Promise<void>;
  state(): Promise<FakeConfctlState>;
  /** Changes one object behind the adapter's back, as another operator would. */
  write(key: string, value: FakeConfctlValue): Promise<void>;
  control(control: FakeConfctlControl): Promise<void>;
  /** Every invocation's arguments (after the program name), oldest first. */
  calls(): Promise<string[][]>;
  /** Forgets the calls so far, so a test can assert on what one operation ran. */
  clearCalls(): Promise<void>;
  dispose(): Promise<void>;
}

/** A temp dir for the fake's state, argv log and control file; `env` points the fake at it. */
export async function createFakeConfctl(): Promise<FakeConfctl> {
  const dir = await mkdtemp(join(tmpdir(), 'cutover-confctl-'));
  await writeFile(join(dir, 'state.json'), '{}');
  await writeFile(join(dir, 'argv.jsonl'), '');
  const readState = async (): Promise<FakeConfctlState> => JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as FakeConfctlState;
  return {
    dir,
    env: { PATH: `${BIN}${delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`, FAKE_CONFCTL_DIR: dir },
    setState: (state) => writeFile(join(dir, 'state.json'), JSON.stringify(state)),
    state: readState,
    async write(key, value) {
      await writeFile(join(dir, 'state.json'), JSON.stringify({ ...(await readState()), [key]: value }));
    },
    control: (control) => writeFile(join(dir, 'control.json'), JSON.stringify(control)),
    async calls() {
      const text = await readFile(join(dir, 'argv.jsonl'), 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as string[]);
    },
    clearCalls: () => writeFile(join(dir, 'argv.jsonl'), ''),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
