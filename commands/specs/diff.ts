import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import { arg } from '../arg.js';
import { requestIdArg } from '../args.js';
import { findRequest } from '../find-request.js';
import { defineCommand } from '../spec.js';

/** Lines of a diff per IRC answer: more would hold the channel's outbox (1 line/s after a burst of 4) for everyone. */
const IRC_PAGE = 8;

/**
 * `!<service> diff ID`: the whole helm diff a helm step's request showed its approver, as it was
 * kept with the request (not a fresh one). Slack gets it whole in a code block, as an answer only
 * the asker sees; the console whole; IRC a page of lines at a time with the command for the next.
 */
export const diffCommand = defineCommand({
  name: 'diff',
  summary: "the helm diff a helm step's request showed its approver; on IRC a page at a time (--from LINE)",
  args: {
    id: arg.word(requestIdArg, 'ID'),
    from: arg.flag(z.string().regex(/^\d{1,5}$/, { error: 'a line number' }).transform(Number).pipe(z.int().min(1, { error: 'a line number from 1' })).optional(), 'LINE'),
  },
  access: 'read',
  scope: 'service',
  mutates: false,
  async run(args, context) {
    const request = await findRequest(context, args.id);
    const diff = request.helmDiff;
    if (diff === undefined) throw new CutoverError('input.invalid', `Request ${request.id} is not a helm step: it has no diff.`);
    const head = `helm diff of ${request.id} (helmfile -e ${diff.env}, ${request.state}): ${diff.changed ? diff.summary : 'no changes'}`;
    if (!diff.changed && diff.text.trim() === '') return head;
    const lines = diff.text.split('\n').map(chatLine);
    const cut = diff.omittedLines === 0 ? [] : [`… ${diff.omittedLines} more lines were not kept with the request; helmfile -e ${diff.env} diff on the deployment host shows the diff as it is now`];
    if (args.from === undefined && context.caller.transport === 'slack') return [head, '```', ...lines, '```', ...cut].join('\n');
    if (args.from === undefined && context.caller.transport !== 'irc') return [head, ...lines, ...cut].join('\n');
    return page(head, lines.filter((line) => line.trim() !== ''), args.from ?? 1, `!${request.service} diff ${request.id}`, cut);
  },
});

/** IRC sends no empty line and shows no control character: tabs become spaces, the rest `?`. */
function chatLine(line: string): string {
  return line.replaceAll('\t', '  ').replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '?');
}

function page(head: string, lines: readonly string[], from: number, command: string, cut: readonly string[]): string {
  if (from > lines.length) return `${head} · it has ${lines.length} lines; ${command} --from 1 shows the first`;
  const to = Math.min(lines.length, from + IRC_PAGE - 1);
  const next = to < lines.length ? `lines ${from}–${to} of ${lines.length}; the next: ${command} --from ${to + 1}` : `lines ${from}–${to} of ${lines.length}, the last`;
  return [`${head} · ${next}`, ...lines.slice(from - 1, to), ...(to < lines.length ? [] : cut)].join('\n');
}
