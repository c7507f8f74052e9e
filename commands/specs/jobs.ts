import * as z from 'zod';
import { formatDuration } from '../../core/durations.js';
import type { ChangeRequest } from '../../core/requests.js';
import { arg } from '../arg.js';
import { serviceOf } from '../service-of.js';
import { defineCommand } from '../spec.js';

const ICONS: Record<ChangeRequest['state'], string> = {
  pending: '⏳',
  approved: '▶',
  running: '⚙',
  succeeded: '✅',
  noop: '➖',
  failed: '❌',
  denied: '👎',
  expired: '⌛',
};

export const jobsCommand = defineCommand({
  name: 'jobs',
  summary: 'recent requests and what became of them',
  args: { limit: arg.flag(z.coerce.number().int().min(1).max(25).optional(), 'N') },
  access: 'read',
  scope: 'service',
  mutates: false,
  async run(args, context) {
    const { name } = serviceOf(context);
    const now = context.deps.clock.now();
    const recent = await context.deps.requests.recent(name, args.limit ?? 8);
    if (recent.length === 0) return `${name}: no requests yet.`;
    return recent
      .map((request) => {
        const approvedBy = request.approvals.length > 0 ? `, approved by ${request.approvals.map((vote) => vote.display).join(', ')}` : '';
        const outcome = request.outcome === undefined ? '' : ` · ${request.outcome}`;
        return `${ICONS[request.state]} ${request.id} ${request.state} ${formatDuration(now - request.createdAt)} ago · ${request.summary} · ${request.requester.display}${approvedBy}${outcome}`;
      })
      .join('\n');
  },
});
