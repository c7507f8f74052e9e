import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * A binary from /usr/bin or PATH, or a clear error saying what to install: the lab and the tests
 * built on it fail when a server is missing, since a skipped suite would look green and prove nothing.
 */
export function findBinary(name: string, missing: string): string {
  const candidates = [`/usr/bin/${name}`, ...(process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, name))];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) throw new Error(missing);
  return found;
}
