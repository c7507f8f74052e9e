import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { renderOutcome } from '../../bot/render-outcome.js';
import { createDispatcher } from '../../commands/dispatch.js';
import { invalidArgsText } from '../../commands/invalid-args-text.js';
import { poolCommand } from '../../commands/specs/pool.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';

const config = await loadShippedConfig();

async function reply(text: string): Promise<string | undefined> {
  const inventories = shippedInventories(config);
  const dispatch = createDispatcher({ config, inventories, deps: makeDeps(config, inventories).deps, onUnexpectedError: (error) => { throw error; } });
  const outcome = await dispatch.line({ text, caller: callerFor('alice') });
  return outcome === undefined ? undefined : renderOutcome(outcome).text;
}

describe('a bad argument', () => {
  // Regression: zod's prettifyError starts each issue with its own "✖", so chat saw "✖ ✖ a weight
  // from 1 to 100   → at weight".
  it('is refused with one error glyph, naming the flag as typed', async () => {
    expect(await reply('!kartotherian pool wikikube1001 --weight abc')).toBe(`✖ --weight: a weight from 1 to 100 · usage: ${poolCommand.usage}`);
  });

  it('names a positional by its name', async () => {
    expect(await reply('!kartotherian jobs --limit many')).toMatch(/^✖ --limit: [^✖]+ · usage: /);
    expect(await reply('!approve ../x')).toMatch(/^✖ id: a request id like k7qm · usage: /);
  });

  it('names a flag bound in camel case as it was typed, with its dash', () => {
    const parsed = z.object({ dryRun: z.literal(true, { error: 'only true' }) }).safeParse({ dryRun: 'no' });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(invalidArgsText(parsed.error, { positionals: [], flags: { 'dry-run': 'boolean' } })).toBe('--dry-run: only true');
  });

  it('lists every issue once, separated, when several are wrong', async () => {
    const text = await reply('!kartotherian pool wikikube1001 --weight 0 --task T1;x');
    expect(text).toMatch(/^✖ --weight: a weight from 1 to 100; --task: a Phabricator task like T378944 · usage: /);
  });
});
