import type { Redis } from 'ioredis';
import type { ConsoleBot } from './console-bot.js';

export interface AuditRow {
  event: string;
  requestId: string;
  detail: string;
}

/** The audit stream as stored, oldest first. */
export async function auditRows(redis: Redis, prefix: string): Promise<AuditRow[]> {
  const entries = await redis.xrange(`${prefix}:audit`, '-', '+');
  return entries.map(([, fields]) => {
    const field = (name: string): string => fields[fields.indexOf(name) + 1] ?? '';
    return { event: field('event'), requestId: field('request'), detail: field('detail') };
  });
}

/** The `action.*` events of one request: how many times it was executed to an end. */
export async function actionEvents(redis: Redis, prefix: string, requestId: string): Promise<string[]> {
  return (await auditRows(redis, prefix)).filter((row) => row.requestId === requestId && row.event.startsWith('action.')).map((row) => row.event);
}

/** What `history --request ID --json` tells an operator, one parsed record per line. */
export async function historyJson(chat: ConsoleBot, service: string, requestId: string): Promise<{ event: string; requestId?: string }[]> {
  const mark = chat.transcript().length;
  chat.say(`!${service} history --request ${requestId} --json --limit 20`);
  await chat.waitFor(/^<cutover> \{"id":/, { from: mark });
  // The reply is written in one go; let the rest of its lines arrive.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return chat
    .transcript()
    .slice(mark)
    .filter((line) => line.startsWith('<cutover> {"id":'))
    .map((line) => JSON.parse(line.slice('<cutover> '.length)) as { event: string; requestId?: string });
}

/** The simulated conftool value at a path, as JSON. */
export async function conftoolValue(redis: Redis, prefix: string, path: string): Promise<unknown> {
  const raw = await redis.hget(`${prefix}:sim:conftool`, path);
  return raw === null ? null : JSON.parse(raw);
}

/** Polls until `check` holds; fails with `what` and the last value seen. */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
