const APPROVE = new Set(['👍', '✅', '✔', '☑', '+1', 'thumbsup', 'white_check_mark', 'heavy_check_mark', 'ballot_box_with_check']);
const DENY = new Set(['👎', '-1', 'thumbsdown']);

/**
 * What a reaction means for a request, across IRC (the emoji itself) and Slack (its name, with
 * `::skin-tone-N`); skin tones and variation selectors never change the meaning.
 */
export function reactionDecision(emoji: string): 'approve' | 'deny' | undefined {
  const bare = emoji
    .trim()
    .replace(/^:|:$/g, '')
    .replace(/::skin-tone-\d$/, '')
    .replace(/[\u{1F3FB}-\u{1F3FF}]|\uFE0F/gu, '');
  if (APPROVE.has(bare)) return 'approve';
  if (DENY.has(bare)) return 'deny';
  return undefined;
}
