import { printable } from '../core/printable.js';

/** undici hides the useful part of a failed fetch (ECONNREFUSED, ENOTFOUND) in `cause`. */
export function networkReason(error: unknown): string {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : printable(cause.message, 80);
  }
  return error instanceof Error ? printable(error.message, 80) : 'unknown error';
}
