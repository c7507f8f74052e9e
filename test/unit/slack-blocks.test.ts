import { describe, expect, it } from 'vitest';
import { APPROVE_ACTION, decodeButtonValue, DECISION_ACTION, DENY_ACTION, requestBlocks, settledBlocks } from '../../bot/slack/blocks.js';

const VALUE = { requestId: 'k7qm', actionHash: '0123456789abcdef' };
const TEXT = '⏳ k7qm: alice asks to pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10';

describe('Block Kit for requests', () => {
  it('shows the request text, then Approve (primary, with a confirm dialog) and Deny (danger), both carrying id and hash', () => {
    const blocks = requestBlocks(TEXT, VALUE);
    const value = JSON.stringify(VALUE);
    expect(blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: TEXT, verbatim: true } },
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
              text: { type: 'plain_text', text: TEXT },
              confirm: { type: 'plain_text', text: 'Approve' },
              deny: { type: 'plain_text', text: 'Cancel' },
            },
          },
          { type: 'button', action_id: 'cutover_deny', style: 'danger', text: { type: 'plain_text', text: 'Deny', emoji: true }, value },
        ],
      },
    ]);
  });

  it('escapes the section (mrkdwn) but not the dialog (plain_text), and keeps both within Slack’s limits', () => {
    const text = `<!channel> & ${'x'.repeat(4000)}`;
    const [section, actions] = requestBlocks(text, VALUE) as unknown as [
      { text: { text: string } },
      { elements: [{ confirm: { text: { text: string } } }] },
    ];
    expect(section.text.text.startsWith('&lt;!channel&gt; &amp; xxx')).toBe(true);
    expect(Array.from(section.text.text)).toHaveLength(3000);
    expect(section.text.text.endsWith('…')).toBe(true);
    const dialog = actions.elements[0].confirm.text.text;
    expect(dialog.startsWith('<!channel> & xxx')).toBe(true);
    expect(Array.from(dialog)).toHaveLength(300);
  });

  it('settles a request: the same text, no buttons, and a context line saying what happened', () => {
    expect(settledBlocks(TEXT, '👍 bob approved k7qm (1/1) · queued <soon>')).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: TEXT, verbatim: true } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: '👍 bob approved k7qm (1/1) · queued &lt;soon&gt;', verbatim: true }] },
    ]);
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
