/**
 * Looks a chat-supplied name up in a config record without reaching the prototype: a user who
 * types `constructor` or `__proto__` gets "unknown", not Object's internals.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
