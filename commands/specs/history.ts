import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';
import { printable, quoted } from '../../core/printable.js';
import { arg } from '../arg.js';
import { requestIdArg } from '../args.js';
import { serviceOf } from '../service-of.js';
import { defineCommand } from '../spec.js';

export const historyCommand = defineCommand({
  name: 'history',
  summary: 'the audit trail, newest first: who did what, where, when; refusals only with --event refused; --json for one JSON record per line',
  args: {
    who: arg.flag(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'a person name' }).optional(), 'NAME'),
    event: arg.flag(z.string().regex(/^[a-z][a-z.-]{0,40}$/, { error: 'an event like approval or action.failed' }).optional(), 'PREFIX'),
    request: arg.flag(requestIdArg.optional(), 'ID'),
    limit: arg.flag(z.string().regex(/^\d{1,2}$/).transform(Number).pipe(z.int().min(1).max(20)).optional(), 'N'),
    json: arg.switch(),
  },
  access: 'read',
  scope: 'service',
  mutates: false,
  async run(args, context) {
    const { name } = serviceOf(context);
    const reader = context.deps.auditReader;
    if (reader === undefined) throw new CutoverError('input.invalid', 'This process has no audit trail to read.');
    const records = await reader.recent({
      service: name,
      limit: args.limit ?? 10,
      ...(args.who === undefined ? {} : { who: args.who }),
      ...(args.event === undefined ? {} : { event: args.event }),
      ...(args.request === undefined ? {} : { requestId: args.request }),
    });
    if (records.length === 0) return `${name}: nothing in the audit trail matches.`;
    if (args.json === true) return records.map((record) => JSON.stringify({ ...record, detail: printable(record.detail, 300) })).join('\n');
    return records
      .map((record) => `${record.at.slice(0, 16).replace('T', ' ')} ${printable(record.who, 64)}${record.as === undefined ? '' : ` (${printable(record.as, 48)})`} ${record.event}${record.requestId === undefined ? '' : ` ${record.requestId}`} · ${quoted(record.detail, 160)} (${printable(record.where, 80)})`)
      .join('\n');
  },
});
