import { describe, expect, it } from 'vitest';
import { APPROVE_ACTION, confirmText, decodeButtonValue, DECISION_ACTION, DENY_ACTION, readRequestBlocks, requestBlocks, settledBlocks, settledText } from '../../bot/slack/blocks.js';

const VALUE = { requestId: 'k7qm', actionHash: '0123456789abcdef' };
const TEXT = '⏳ k7qm: alice asks to pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10';

describe('Block Kit for requests', () => {
  it('shows the request text, then Approve (primary, with a confirm dialog) and Deny (danger), both carrying id and hash', () => {
    const blocks = requestBlocks(TEXT, TEXT, VALUE);
    const value = JSON.stringify(VALUE);
    expect(blocks).toEqual([
      { type: 'section', block_id: 'cutover-request-k7qm', text: { type: 'mrkdwn', text: TEXT, verbatim: true } },
      {
        type: 'actions',
        block_id: 'cutover-decide-k7qm',
        elements: [
          {
            type: 'button',
            action_id: 'cutover_approve',
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve', emoji: true },
            value,
            confirm: {
              title: { type: 'plain_text', text: 'Approve k7qm?' },
              text: { type: 'plain_text', text: `${TEXT.replace('⏳ ', '')} · action ${VALUE.actionHash}` },
              confirm: { type: 'plain_text', text: 'Approve' },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          },
          { type: 'button', action_id: 'cutover_deny', style: 'danger', text: { type: 'plain_text', text: 'Deny', emoji: true }, value },
        ],
      },
    ]);
  });

  it('keeps the section within Slack’s limit without an open code span, and the dialog (plain_text) unescaped', () => {
    const long = `\`${'x'.repeat(4000)}\``;
    const [section, actions] = requestBlocks(long, `<!channel> & ${'x'.repeat(4000)}`, VALUE) as unknown as [
      { text: { text: string } },
      { elements: [{ confirm: { text: { text: string } } }] },
    ];
    expect(Array.from(section.text.text).length).toBeLessThanOrEqual(3000);
    expect(section.text.text.endsWith('`…')).toBe(true);
    const dialog = actions.elements[0].confirm.text.text;
    expect(dialog.startsWith('<!channel> &')).toBe(true);
    expect(Array.from(dialog).length).toBeLessThanOrEqual(300);
  });

  it('cuts the confirm dialog at a word with an ellipsis, after dropping the gate and expiry, and always keeps the action hash', () => {
    const text =
      '⏳ k7qm: alice asks to depool maps1005.eqiad.wmnet maps1006.eqiad.wmnet maps1007.eqiad.wmnet maps1008.eqiad.wmnet maps1009.eqiad.wmnet maps1010.eqiad.wmnet from kartotherian-ssl (eqiad) · health now: 5xx 0.02%, p99 180ms on 12 pooled · reason: kernel upgrades for the whole row, T378944 and T378945 · needs 1 approval from bob or carol: !approve k7qm or !deny k7qm · expires in 15m (14:05 UTC)';
    const dialog = confirmText(text, VALUE.actionHash);
    expect(Array.from(dialog).length).toBeLessThanOrEqual(300);
    expect(dialog).toMatch(/^k7qm: alice asks to depool maps1005/);
    expect(dialog).not.toContain('needs 1 approval');
    expect(dialog).not.toContain('expires');
    expect(dialog.endsWith(`… · action ${VALUE.actionHash}`)).toBe(true);
    // Cut between words: what precedes the ellipsis is a whole word of the text.
    const beforeCut = dialog.slice(0, dialog.indexOf('…')).split(' ').at(-1) ?? '';
    expect(text.split(/\s+/)).toContain(beforeCut);
  });

  it('settles a request: the text without gate or expiry, no buttons, and a line per thing that became of it', () => {
    const settled = settledText(`${TEXT} · needs 1 approval from <@U01BOB000> · expires in 15m (14:05 UTC)`);
    expect(settled).toBe(TEXT.replace('⏳ ', ''));
    expect(settledBlocks('k7qm', settled, ['👍 bob approved k7qm (1/1)', '✅ k7qm done'])).toEqual([
      { type: 'section', block_id: 'cutover-request-k7qm', text: { type: 'mrkdwn', text: settled, verbatim: true } },
      {
        type: 'context',
        block_id: 'cutover-notes-k7qm',
        elements: [
          { type: 'mrkdwn', text: '👍 bob approved k7qm (1/1)', verbatim: true },
          { type: 'mrkdwn', text: '✅ k7qm done', verbatim: true },
        ],
      },
    ]);
  });

  it('reads a message’s blocks back: which request they name, whether buttons show, the notes; blocks naming two requests name none', () => {
    expect(readRequestBlocks(requestBlocks(TEXT, TEXT, VALUE))).toEqual({ requestId: 'k7qm', buttons: true, section: TEXT, notes: [] });
    expect(readRequestBlocks(settledBlocks('k7qm', 'x', ['done']))).toEqual({ requestId: 'k7qm', buttons: false, section: 'x', notes: ['done'] });
    const mixed = [...requestBlocks(TEXT, TEXT, VALUE).slice(0, 1), ...requestBlocks(TEXT, TEXT, { ...VALUE, requestId: 'b0b0' }).slice(1)];
    expect(readRequestBlocks(mixed).requestId).toBeUndefined();
  });

  it('reads back what its own buttons carry', () => {
    expect(decodeButtonValue(JSON.stringify(VALUE))).toEqual(VALUE);
    expect(DECISION_ACTION.test(APPROVE_ACTION) && DECISION_ACTION.test(DENY_ACTION)).toBe(true);
    expect(DECISION_ACTION.test('cutover_approve_all')).toBe(false);
  });

  it.each([
    ['nothing', undefined],
    ['not JSON', 'approve k7qm'],
    ['an id that smuggles a flag', JSON.stringify({ requestId: 'k7qm --expect 0123456789abcdef', actionHash: VALUE.actionHash })],
    ['a hash that is not one', JSON.stringify({ requestId: 'k7qm', actionHash: 'xyz' })],
    ['extra fields', JSON.stringify({ ...VALUE, approver: 'bob' })],
    ['an array', JSON.stringify([VALUE])],
  ])('refuses a button value that is %s', (_label, raw) => {
    expect(decodeButtonValue(raw)).toBeUndefined();
  });
});
