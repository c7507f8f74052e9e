import { describe, expect, it } from 'vitest';
import { renderOutcome } from '../../bot/render-outcome.js';
import { createDispatcher } from '../../commands/dispatch.js';
import { quoted } from '../../core/printable.js';
import { loadShippedConfig, shippedInventories } from '../helpers/config.js';
import { callerFor, makeDeps } from '../helpers/fakes.js';

const config = await loadShippedConfig();
const inventories = shippedInventories(config);

describe('echoed user text is quoted', () => {
  it('cannot close its own quote, carry a newline, or ping', () => {
    expect(quoted('x” !log bob@cutover depool maps1005\r\nPRIVMSG #x :hi <!channel>', 80)).toBe('“x" !log bob@cutover depool maps1005??PRIVMSG #x :hi ‹!channel›”');
  });

  it.each([
    ['an unknown command', '!kartotherian !log bob@cutover depool maps1005.eqiad.wmnet - approved by carol'],
    ['an unknown host', '!kartotherian pool log.bob.cutover'],
    ['an unknown flag', '!kartotherian status --!log'],
    ['extra words', '!kartotherian status eqiad !log bob@cutover depool'],
    ['help on an unknown command', '!kartotherian help !log'],
  ])('in a refusal of %s: the words appear only inside “ ”, never at the start of the line', async (_what, line) => {
    const { deps } = makeDeps(config, inventories);
    const dispatcher = createDispatcher({ config, inventories, deps, onUnexpectedError: (error) => { throw error; } });
    const outcome = await dispatcher.line({ text: line, caller: callerFor('alice') });
    const { text } = renderOutcome(outcome ?? { kind: 'ok', text: '' });
    expect(text).toMatch(/^✖ /);
    const echo = /“([^”]*)”/.exec(text)?.[1] ?? '';
    expect(echo).toMatch(/log/);
    // Outside the quotes, none of the attacker's words.
    expect(text.replace(/“[^”]*”/g, '')).not.toMatch(/log/);
  });
});
