import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium; playwright-core never downloads a browser of its own here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The browser tests' Chromium, or undefined to skip them on a developer machine without one.
 * Under CI a missing browser fails the suite: a skipped browser test looks green and proves
 * nothing (.ci/run installs the chromium package).
 */
export function chromiumOrSkip(env: NodeJS.ProcessEnv = process.env, path = CHROMIUM_PATH): string | undefined {
  if (existsSync(path)) return path;
  if (env.CI === 'true' || env.CI === '1') {
    throw new Error(`browser tests need Chromium at ${path} and found none: apt-get install chromium (.ci/run does it).`);
  }
  return undefined;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  // No sandbox: CI runs as root; no GPU and no /dev/shm: small containers have neither.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
