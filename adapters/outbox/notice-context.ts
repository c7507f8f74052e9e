import * as z from 'zod';
import type { NoticeContext } from '../../core/ports/task-log.js';

/** NoticeContext as stored beside each outbox message, read back through this on delivery. */
export const noticeContextSchema: z.ZodType<NoticeContext> = z.strictObject({ requestId: z.string().optional(), replyTo: z.string().optional() });
