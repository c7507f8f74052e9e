/**
 * What every fake tool does first: record its argv in the call log, read the state and control
 * files (paths from FAKE_BIN_*), and act out a fault set for it. See test/helpers/fake-bin.ts.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { Fault, FakeState } from '../fake-bin.js';

export const files = {
  log: process.env['FAKE_BIN_LOG'] ?? '/dev/null',
  state: process.env['FAKE_BIN_STATE'] ?? '',
  control: process.env['FAKE_BIN_CONTROL'] ?? '',
};

function readJson<T>(file: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return fallback;
  }
}

export function record(entry: Record<string, unknown>): void {
  appendFileSync(files.log, `${JSON.stringify({ ...entry, cwd: process.cwd() })}\n`);
}

export function readState(): FakeState {
  return readJson(files.state, {} as FakeState);
}

export function writeState(state: FakeState): void {
  writeFileSync(files.state, JSON.stringify(state, null, 2));
}

/** The fault for `tool subcommand` if set, else for `tool`. */
export function faultFor(...keys: string[]): Fault | undefined {
  const faults = readJson<{ faults?: Record<string, Fault> }>(files.control, {}).faults ?? {};
  for (const key of keys) if (Object.hasOwn(faults, key)) return faults[key];
  return undefined;
}

export function exit(stdout: string, stderr: string, code: number): never {
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  process.exit(code);
}

/** Prints, then never exits: the runner's timeout or cancel must end it. */
export function hang(stdout: string, stderr = ''): void {
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  setInterval(() => {}, 1 << 30);
}
