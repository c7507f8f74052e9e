import { describe, expect, it } from 'vitest';
import { slackReactionName } from '../../bot/slack/reaction-names.js';
import { slackEscape, slackToPlain } from '../../bot/slack/slack-text.js';

describe('slackEscape', () => {
  it('escapes exactly &, < and >, so nothing we echo becomes a mention, a link or a broadcast', () => {
    expect(slackEscape('<!channel> <!here|here> <@U01BOB000> <#C0OPS00001> <https://evil.example|click> a & b')).toBe(
      '&lt;!channel&gt; &lt;!here|here&gt; &lt;@U01BOB000&gt; &lt;#C0OPS00001&gt; &lt;https://evil.example|click&gt; a &amp; b',
    );
    expect(slackEscape('pooled=yes w10: maps[1005-1010] · *bold* _it_ `code` 🗺️')).toBe('pooled=yes w10: maps[1005-1010] · *bold* _it_ `code` 🗺️');
  });

  it('cuts long text by code points, never inside an entity or an emoji', () => {
    expect(slackEscape('🗺️'.repeat(10), 5)).toBe(`${'🗺️'.repeat(2)}…`);
    expect(slackEscape('aaa&bbb', 6)).toBe('aaa…');
    expect(slackEscape('a'.repeat(50_000))).toHaveLength(39_000);
  });
});

describe('slackToPlain', () => {
  it('unwraps the links Slack makes of host names, back to what was typed', () => {
    expect(slackToPlain('!kartotherian depool <http://maps1005.eqiad.wmnet|maps1005.eqiad.wmnet> --task T378944')).toBe(
      '!kartotherian depool maps1005.eqiad.wmnet --task T378944',
    );
    expect(slackToPlain('see <https://phabricator.wikimedia.org/T378944>')).toBe('see https://phabricator.wikimedia.org/T378944');
  });

  it('turns mentions and broadcasts into inert text, and unescapes entities', () => {
    expect(slackToPlain('<@U01BOB000> <@U01BOB000|bob> <#C0OPS00001|ops> <!here> <!subteam^S012|@sre>')).toBe('@U01BOB000 @bob #ops @here @sre');
    expect(slackToPlain('latency &gt; 200ms &amp;&amp; 5xx &lt; 1%')).toBe('latency > 200ms && 5xx < 1%');
    expect(slackToPlain('&amp;lt;')).toBe('&lt;');
  });

  it('undoes smart punctuation some clients type for -- and quotes', () => {
    expect(slackToPlain('!kartotherian pool wikikube1001 —weight 5 “first canary”')).toBe('!kartotherian pool wikikube1001 --weight 5 "first canary"');
    expect(slackToPlain('maps — wikikube')).toBe('maps — wikikube');
  });
});

describe('slackReactionName', () => {
  it.each([
    ['✅', 'white_check_mark'],
    ['❌', 'x'],
    ['👀', 'eyes'],
    ['👎', '-1'],
    ['➖', 'heavy_minus_sign'],
    ['⌛', 'hourglass'],
    ['⌛\uFE0F', 'hourglass'],
    ['eyes', 'eyes'],
    [':white_check_mark:', 'white_check_mark'],
  ])('names %s as %s', (emoji, name) => {
    expect(slackReactionName(emoji)).toBe(name);
  });

  it('has no name for emoji it does not know; a prototype key is only a name', () => {
    expect(slackReactionName('🦄')).toBeUndefined();
    expect(slackReactionName('constructor')).toBe('constructor');
    expect(slackReactionName('has space')).toBeUndefined();
  });
});
