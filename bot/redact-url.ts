/**
 * Masks the password in a redis:// or rediss:// URL so it can go into logs and chat replies.
 * `redis://:secret@host:6379/0` → `redis://:***@host:6379/0`; URLs without a password come back unchanged.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed) {
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  }
  // A URL that does not parse is exactly what ends up in an error message, and an unencoded `/`, `?` or `#`
  // in a password is the usual reason it does not: mask everything up to the last `@`, over-masking if need be.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:@]*):.*@/i, '$1$2:***@');
}
