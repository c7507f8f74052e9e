import { describe, expect, it } from 'vitest';
import { plainCut, slackFormat } from '../../bot/slack/slack-format.js';

const PEOPLE = new Map([
  ['bob', 'U01BOB000'],
  ['carol', 'U01CAROL0'],
]);

describe('Slack mrkdwn from the gateway’s text', () => {
  it('puts commands, hosts and JSON in code, and leaves the rest as written', () => {
    expect(slackFormat('✅ r7k2 done: maps1005.eqiad.wmnet pooled=yes · set {"pooled": "yes", "weight": 10} · undo with !kartotherian depool maps1005 --reason rollback.')).toBe(
      '✅ r7k2 done: `maps1005.eqiad.wmnet` pooled=yes · set `{"pooled": "yes", "weight": 10}` · undo with `!kartotherian depool maps1005 --reason rollback`.',
    );
    expect(slackFormat('try !approve r7k2 or !deny r7k2')).toBe('try `!approve r7k2` or `!deny r7k2`');
    expect(slackFormat('T378944 and kartotherian-k8s-ssl:6543 stay prose')).toBe('T378944 and kartotherian-k8s-ssl:6543 stay prose');
  });

  it('leaves a code block (a helm diff) exactly as written: no spans inside it', () => {
    const diff = 'helm diff for k7qm:\n```\n-    {"app": "kartotherian"}\n+    host: wikikube-worker1001.eqiad.wmnet\n```\nthen maps1005';
    expect(slackFormat(diff)).toBe('helm diff for k7qm:\n```\n-    {"app": "kartotherian"}\n+    host: wikikube-worker1001.eqiad.wmnet\n```\nthen `maps1005`');
  });

  it('mentions the approvers a request waits for, and nobody a reason names', () => {
    const text = '⏳ r7k2: alice asks to pool maps1005 · reason: bob said so · needs 1 approval from bob or carol: !approve r7k2 or !deny r7k2 · expires in 15m';
    expect(slackFormat(text, { people: PEOPLE, withButtons: true })).toBe('⏳ r7k2: alice asks to pool `maps1005` · reason: bob said so · needs 1 approval from <@U01BOB000> or <@U01CAROL0> · expires in 15m');
  });

  it('escapes what it echoes before adding its own mentions, so a typed <!channel> or <@U…> stays text', () => {
    expect(slackFormat('✖ No command "<!channel> <@U01BOB000>"', { people: PEOPLE })).toBe('✖ No command "&lt;!channel&gt; &lt;@U01BOB000&gt;"');
  });

  it('cuts plain text at a word, with an ellipsis, keeping the tail it must keep', () => {
    expect(plainCut('depool maps1005 maps1006 maps1007', 24, ' · #1')).toBe('depool maps1005… · #1');
    expect(plainCut('short', 24, ' · #1')).toBe('short · #1');
  });
});
