/** The marks the gateway and the workers put on request messages, by their Slack names. */
const NAMES: ReadonlyMap<string, string> = new Map([
  ['✅', 'white_check_mark'],
  ['❌', 'x'],
  ['👀', 'eyes'],
  ['👍', '+1'],
  ['👎', '-1'],
  ['➖', 'heavy_minus_sign'],
  ['⌛', 'hourglass'],
  ['⏳', 'hourglass_flowing_sand'],
  ['⏸', 'double_vertical_bar'],
  ['↩', 'leftwards_arrow_with_hook'],
]);

/**
 * reactions.add takes a name, not the character. A name given already (`eyes`, `:eyes:`) passes
 * through; an emoji without a known name gives undefined, so the caller can skip the mark.
 */
export function slackReactionName(emoji: string): string | undefined {
  const bare = emoji.trim().replace(/\uFE0F/g, '');
  const known = NAMES.get(bare);
  if (known !== undefined) return known;
  const name = bare.replace(/^:|:$/g, '');
  return /^[a-z0-9_+'-]{1,100}$/.test(name) ? name : undefined;
}
