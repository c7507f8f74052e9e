import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium; playwright-core never downloads a browser of its own here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The browser tests' Chromium. Missing means the suite fails, as every other server the tests
 * need does: a skipped browser test looks green and proves nothing (npm run test:all installs it).
 */
export function chromiumBinary(path = CHROMIUM_PATH): string {
  if (!existsSync(path)) throw new Error(`browser tests need Chromium at ${path} and found none: apt-get install chromium (npm run test:all does it).`);
  return path;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  // No sandbox: CI runs as root; no GPU and no /dev/shm: small containers have neither.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
