import type { CommandSpec } from './spec.js';
import { approveCommand } from './specs/approve.js';
import { denyCommand } from './specs/deny.js';
import { depoolCommand } from './specs/depool.js';
import { diffCommand } from './specs/diff.js';
import { createHelpCommand } from './specs/help.js';
import { historyCommand } from './specs/history.js';
import { jobsCommand } from './specs/jobs.js';
import { poolCommand } from './specs/pool.js';
import { statusCommand } from './specs/status.js';
import { planCommands } from './specs/plan-commands.js';
import { simulateCommand } from './specs/simulate.js';
import { withdrawCommand } from './specs/withdraw.js';

const SPECS: readonly CommandSpec[] = [statusCommand, poolCommand, depoolCommand, approveCommand, denyCommand, withdrawCommand, jobsCommand, historyCommand, ...planCommands, diffCommand, simulateCommand];

/** Every command by name; a duplicate name is a programming error caught at start-up. */
export function buildRegistry(specs: readonly CommandSpec[] = SPECS): ReadonlyMap<string, CommandSpec> {
  const registry = new Map<string, CommandSpec>();
  for (const spec of [...specs, createHelpCommand(specs)]) {
    if (registry.has(spec.name)) throw new Error(`Two commands are named "${spec.name}"`);
    registry.set(spec.name, spec);
  }
  return registry;
}
