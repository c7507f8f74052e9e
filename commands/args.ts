import * as z from 'zod';
import { arg } from './arg.js';

/** Shapes of the words people type; hosts are resolved against the inventory afterwards. */
export const hostArg = z.string({ error: 'a host is required, e.g. wikikube1001' }).min(1).max(253);
export const lvsServiceArg = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, { error: 'an LVS service name like kartotherian-k8s-ssl' });
export const taskArg = z.string().regex(/^T\d{1,8}$/, { error: 'a Phabricator task like T378944' });
export const reasonArg = z.string().max(200, { error: 'a reason of at most 200 characters' });
export const weightArg = z
  .string()
  .regex(/^\d{1,3}$/, { error: 'a weight from 1 to 100' })
  .transform(Number)
  .pipe(z.int().min(1, { error: 'a weight from 1 to 100' }).max(100, { error: 'a weight from 1 to 100' }));
export const requestIdArg = z
  .string()
  .transform((id) => id.toLowerCase().replace(/^#/, ''))
  .pipe(z.string().regex(/^[a-z0-9]{3,12}$/, { error: 'a request id like k7qm' }));
/** The hash of an action as an approver was shown it (core/actions.ts), carried by buttons. */
export const actionHashArg = z.string().regex(/^[0-9a-f]{16}$/, { error: 'an action hash' });

/**
 * `--override-freeze "why"`: an admin files (and runs) a change outside the change window or
 * inside a freeze (core/change-gate.ts). Declared once, for every command the window gates.
 */
export const overrideFreezeFlag = arg.flag(z.string().min(1, { error: 'a reason for overriding the freeze' }).max(200, { error: 'a reason of at most 200 characters' }).optional(), 'WHY');
