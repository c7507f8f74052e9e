import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../commands/registry.js';
import type { CommandSpec } from '../../commands/spec.js';

// The README's table was once typed by hand and drifted from the specs (history lost --limit,
// rollout its flags, simulate its --service); this keeps its first two columns honest.
const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const ROLE: Record<CommandSpec['access'], string> = { read: 'anyone', request: 'operator', approve: 'approver' };

interface Row {
  commands: string[];
  who: string;
}

/** The rows of the table under "## Commands": each backticked command of the first cell, and the second cell. */
function commandRows(): Row[] {
  const section = readme.slice(readme.indexOf('## Commands'));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| command |')));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `!'))
    .map((line) => {
      const [commands = '', who = ''] = line.slice(2).split(/(?<!\\)\| /);
      return { commands: [...commands.matchAll(/`([^`]+)`/g)].map((match) => (match[1] ?? '').replaceAll('\\|', '|')), who: who.trim() };
    });
}

function asTyped(spec: CommandSpec): string {
  return `${spec.scope === 'request' ? '!' : '!kartotherian '}${spec.usage}`;
}

describe("the README's command table", () => {
  const specs = [...buildRegistry().values()];

  it("lists every command once, in the registry's order, with the usage help prints", () => {
    expect(commandRows().flatMap((row) => row.commands)).toEqual(specs.map(asTyped));
  });

  it('says who may run each command by the right it needs', () => {
    for (const row of commandRows()) {
      for (const command of row.commands) {
        const spec = specs.find((candidate) => asTyped(candidate) === command);
        if (spec !== undefined) expect(row.who, command).toMatch(new RegExp(`^${ROLE[spec.access]}\\b`));
      }
    }
  });
});
