import * as z from 'zod';
import { CutoverError } from '../../core/errors.js';

export interface ReasonParts {
  /** Why, in the words of the person who asked: "pool the first k8s workers". */
  reason: string;
  /** Who asked (their configured person name or shell user). */
  user: string;
  /** Where the action runs from, as spicerack records the cumin host: "cumin1002". */
  host: string;
  /** Phabricator task, e.g. T378944. */
  task?: string;
}

export const taskIdSchema = z.string().regex(/^T\d{1,8}$/, { error: 'a Phabricator task id like T378944' });
const wordSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'letters, digits, dot, dash and underscore only' });

/**
 * The reason text as disable-puppet stores it and enable-puppet compares it (`grep -Fx`): one
 * line, printable, and not starting with "-" so enable-puppet can never read it as `--force`.
 */
export function reasonSchema(maxLength: number): z.ZodType<string> {
  return z
    .string()
    .min(3, { error: 'a reason is required' })
    .max(maxLength, { error: `at most ${maxLength} characters` })
    .refine((text) => !/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(text), { error: 'no control or invisible formatting characters' })
    .refine((text) => !text.startsWith('-'), { error: 'must not start with "-"' })
    .refine((text) => text.trim() === text, { error: 'no leading or trailing spaces' });
}

/**
 * spicerack's reason format, `"<reason> - <user>@<host> - T123"`, so the disable message on a
 * host says who to ask before anyone re-enables puppet there.
 */
export function formatReason(parts: ReasonParts, maxLength = 200): string {
  const user = wordSchema.safeParse(parts.user);
  const host = wordSchema.safeParse(parts.host);
  const task = parts.task === undefined ? undefined : taskIdSchema.safeParse(parts.task);
  if (!user.success || !host.success || (task !== undefined && !task.success)) {
    throw new CutoverError('input.invalid', 'A puppet reason needs a plain user name, host name and (optionally) a task id like T378944.');
  }
  const text = `${parts.reason.trim()} - ${user.data}@${host.data}${task?.data === undefined ? '' : ` - ${task.data}`}`;
  return validateReason(text, maxLength);
}

export function validateReason(text: string, maxLength: number): string {
  const parsed = reasonSchema(maxLength).safeParse(text);
  if (!parsed.success) {
    throw new CutoverError('input.invalid', `Puppet reason refused: ${parsed.error.issues.map((issue) => issue.message).join('; ')}.`);
  }
  return parsed.data;
}

/**
 * cumin hands its command string to a shell on every target host, so a reason inside it is
 * quoted for that shell here. This is a second layer: the runner quotes the whole cumin argv
 * again for the ssh hop to the cumin host.
 */
export function quoteForTargetShell(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
