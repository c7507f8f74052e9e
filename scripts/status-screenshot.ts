/**
 * Takes the README's status page screenshot: starts the bot on the demo's simulated fleet (a
 * private Redis prefix, removed afterwards), runs the plan in eqiad up to the second wave with
 * pauses so the chart has a history, leaves the next wave waiting for approval, and saves a PNG.
 *
 *   npx tsx scripts/status-screenshot.ts [docs/status-page.png]
 *
 * Needs Redis at REDIS_URL (default redis://127.0.0.1:6379) and Chromium at /usr/bin/chromium.
 */
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/load.js';
import { CHROMIUM_PATH, launchChromium } from '../test/helpers/chromium.js';
import { startConsoleBot, type ConsoleBot } from '../test/helpers/console-bot.js';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';

const K = '!kartotherian';
const output = process.argv[2] ?? 'docs/status-page.png';

async function step(chat: ConsoleBot, done: RegExp): Promise<void> {
  const mark = chat.transcript().length;
  const id = await ask(chat);
  chat.say('/as bob');
  chat.say(`!approve ${id}`);
  await chat.waitFor(done, { from: mark, timeoutMs: 30_000 });
  // Room between steps, so each one shows as its own stair in the chart.
  await sleep(2500);
}

async function ask(chat: ConsoleBot): Promise<string> {
  const mark = chat.transcript().length;
  chat.say('/as alice');
  chat.say(`${K} next T378944 rehearsal`);
  const [, id] = await chat.waitFor(/[⏳▶] (\w+): alice asks to/, { from: mark });
  if (id === undefined) throw new Error(chat.transcript().slice(mark).join('\n'));
  return id;
}

const config = await loadConfig();
const plan = config.plans['kartotherian'];
if (plan !== undefined) plan.time_scale = 0.002;
const prefix = uniquePrefix('screenshot');
const chat = await startConsoleBot({ config: { ...config, ops_http: { host: '127.0.0.1', port: 0, sample_seconds: 0.5 } }, prefix, redisUrl: TEST_REDIS_URL });
const redis = new Redis(TEST_REDIS_URL);
try {
  await sleep(2500);
  for (const id of ['nginx-tls-6543', 'lvs-k8s-service', 'cdn-to-6543', 'helm-deploy', 'first-worker', 'observe']) await step(chat, new RegExp(`✅ eqiad ${id} done`));
  for (const wave of [1, 2, 3]) await step(chat, new RegExp(`✅ eqiad waves wave ${wave}/4 done`));
  await ask(chat);
  const browser = await launchChromium(CHROMIUM_PATH);
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(`http://127.0.0.1:${chat.bot.opsPort ?? 0}/`);
  await page.waitForSelector('[data-request]');
  await writeFile(output, await page.screenshot({ fullPage: true }));
  await browser.close();
  console.log(`wrote ${output}`);
} finally {
  await chat.bot.stop();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
}
