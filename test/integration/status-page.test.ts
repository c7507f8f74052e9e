import { writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusSnapshot } from '../../bot/status-page/status-snapshot.js';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { GUARD_QUEUE } from '../../jobs/queue-names.js';
import { chromiumBinary, launchChromium } from '../helpers/chromium.js';
import { startConsoleBot, type ConsoleBot } from '../helpers/console-bot.js';
import { decodePng } from '../helpers/png.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const K = '!kartotherian';
describe('the status page in a real browser', () => {
  let redis: Redis;
  let config: Config;
  let chat: ConsoleBot;
  let browser: Browser;
  const prefix = uniquePrefix('status-page');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    const loaded = await loadConfig();
    const plan = loaded.plans['kartotherian'];
    if (plan === undefined) throw new Error('the shipped config lost its plan');
    plan.time_scale = 0.001;
    config = { ...loaded, ops_http: { host: '127.0.0.1', port: 0, sample_seconds: 0.3 } };
    chat = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL });
    browser = await launchChromium(chromiumBinary());
  });

  afterAll(async () => {
    await browser?.close();
    await chat?.bot.stop();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  const base = (): string => `http://127.0.0.1:${chat.bot.opsPort ?? 0}`;

  /** Files a request as alice and returns its id. */
  async function ask(command: string): Promise<string> {
    const mark = chat.transcript().length;
    chat.say('/as alice');
    chat.say(command);
    const [, id] = await chat.waitFor(/[⏳▶] (\w+): alice asks to/, { from: mark });
    if (id === undefined) throw new Error('no request id');
    return id;
  }

  async function approve(id: string, done: RegExp): Promise<void> {
    const mark = chat.transcript().length;
    chat.say('/as bob');
    chat.say(`!approve ${id}`);
    await chat.waitFor(done, { from: mark, timeoutMs: 20_000 });
  }

  const text = (page: Page, selector: string): Promise<string> => page.locator(selector).first().innerText();

  it('shows the plan, pools, health chart, a pending approval and the audit trail, and follows a change without reloading', async () => {
    const step = await ask(`${K} next rehearsal`);
    await approve(step, /✅ eqiad nginx-tls-6543 done/);
    const pending = await ask(`${K} pool wikikube1001 canary <img src=x onerror=alert(1)>`);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    await page.goto(`${base()}/`);
    await page.waitForSelector(`[data-request="${pending}"]`);

    // The plan: eqiad's first step done, the second current, and what blocks it.
    const eqiadSteps = page.locator('[data-dc="eqiad"] [data-part="steps"] li');
    expect(await eqiadSteps.count()).toBe(8);
    expect(await eqiadSteps.nth(0).getAttribute('data-mark')).toBe('done');
    expect(await eqiadSteps.nth(0).innerText()).toMatch(/✓\s+1\s+nginx-tls-6543/);
    expect(await eqiadSteps.nth(1).innerText()).toMatch(/▶\s+2\s+lvs-k8s-service/);
    expect(await text(page, '[data-dc="codfw"] [data-part="steps"] li')).toMatch(/·\s+1\s+nginx-tls-6543/);
    expect(await text(page, '[data-part="blocking"]')).toContain('waiting for someone to say !kartotherian next');
    expect(await text(page, '[data-part="plan"]')).toMatch(/kartotherian-to-wikikube\s+T378944\s+ready\s+at\s+eqiad step 2\/8 lvs-k8s-service/);

    // Pools: bare metal and Wikikube rows per DC and LVS service.
    const k8sPool = '[data-dc="eqiad"] [data-pool="kartotherian-k8s-ssl"]';
    expect(await text(page, k8sPool)).toMatch(/kartotherian-k8s-ssl:6543\s+pooled 6 · depooled 0 · inactive 4/);
    expect(await text(page, `${k8sPool} [data-group="maps"]`)).toMatch(/^bare metal \(maps\)/);
    expect(await text(page, `${k8sPool} [data-group="wikikube"]`)).toMatch(/^Wikikube \(wikikube\)/);
    expect(await page.getAttribute(`${k8sPool} [data-host="maps1005"]`, 'data-pooled')).toBe('yes');
    expect(await page.getAttribute(`${k8sPool} [data-host="wikikube-worker1001"]`, 'data-pooled')).toBe('inactive');
    expect(await page.locator('[data-dc="codfw"] [data-pool]').count()).toBe(3);

    // The guard is a watch, looking every 5 s: fresh, with its seconds since the last look.
    const guardWatch = page.locator('[data-part="watches"] [data-watch="guard:kartotherian"]');
    expect(await guardWatch.getAttribute('data-stale')).toBe('false');
    expect(await guardWatch.innerText()).toMatch(/^✓ guard:kartotherian \d+s ago \(every 5s\)$/);

    // The pending approval, with the untrusted reason shown as text, never as markup.
    const row = await text(page, `[data-request="${pending}"]`);
    expect(row).toContain(pending);
    expect(row).toContain('wikikube-worker1001');
    expect(row).toContain('‹img src=x onerror=alert(1)›');
    expect(row).toMatch(/alice\s+0\/1/);
    expect(await page.locator('#app img').count()).toBe(0);

    // The audit trail, newest first.
    const audit = await text(page, '[data-part="audit"]');
    expect(audit).toMatch(/alice\s+request\.created\s+\w{4}/);
    expect(audit).toMatch(new RegExp(`bob\\s+approval\\.granted\\s+${step}`));

    // The health chart draws the sampler's samples.
    // Polled through locators from the test, not waitForFunction: Playwright polls a string predicate
    // with eval inside the page when the first look fails, which the page's CSP (script-src 'self') refuses.
    await expect.poll(async () => Number((await page.locator('[data-dc="eqiad"] svg.chart').getAttribute('data-points')) ?? 0), { timeout: 15_000, interval: 200 }).toBeGreaterThanOrEqual(3);
    expect(await text(page, '[data-dc="eqiad"] [data-part="health"]')).toMatch(/k8s share\s+0%/i);
    expect(await page.locator('[data-dc="eqiad"] svg.chart path.k8s').count()).toBeGreaterThan(0);

    // A change made in chat shows up by itself: the worker pooled, the approval gone, the audit grown.
    await page.evaluate(`document.body.setAttribute('data-before-change', 'yes')`);
    await approve(pending, new RegExp(`✅ ${pending} done`));
    await page.waitForSelector(`${k8sPool} [data-host="wikikube-worker1001"][data-pooled="yes"]`, { timeout: 10_000 });
    // A pooled worker gets its proof: what the guard's real requests have shown of it, in status's words.
    const proof = page.locator(`${k8sPool} [data-part="proofs"] [data-worker="wikikube-worker1001"]`);
    await proof.waitFor({ timeout: 10_000 });
    expect(['unchecked', 'serving', 'proven', 'failing', 'inconclusive']).toContain(await proof.getAttribute('data-proof'));
    expect(await proof.innerText()).toMatch(/^wikikube-worker1001 (… not checked|serving \d+s of 5m|✓ proven|✖ failing: |❔ inconclusive: )/);
    await page.waitForSelector(`[data-request="${pending}"]`, { state: 'detached', timeout: 10_000 });
    expect(await text(page, '[data-part="approvals"]')).toContain('nothing waiting');
    expect(await text(page, '[data-part="audit"]')).toMatch(new RegExp(`bob\\s+approval\\.granted\\s+${pending}`));
    expect(await page.getAttribute('body', 'data-before-change')).toBe('yes');
    expect(navigations).toBe(1);
    expect(await text(page, '#live')).toMatch(/^live · updated/);

    // Nothing was fetched from anywhere but the bot.
    expect(requested.filter((url) => !url.startsWith(base()))).toEqual([]);

    const screenshot = await page.screenshot({ fullPage: true });
    const blank = await browser.newPage({ viewport: { width: 1400, height: 1000 } }).then(async (empty) => {
      const shot = await empty.screenshot();
      await empty.close();
      return shot;
    });
    const decoded = decodePng(screenshot);
    expect(decoded.width).toBe(1400);
    expect(decoded.height).toBeGreaterThanOrEqual(1000);
    expect(decoded.colours).toBeGreaterThan(50);
    expect(decodePng(blank).colours).toBe(1);
    expect(screenshot.length).toBeGreaterThan(blank.length * 5);
    if (process.env.CUTOVER_SCREENSHOT !== undefined) await writeFile(process.env.CUTOVER_SCREENSHOT, screenshot);
    await page.close();
  }, 90_000);

  it('is GET-only and loopback-only, and its samples outlive a restart of the bot', async () => {
    expect((await fetch(`${base()}/api/status`, { method: 'POST' })).status).toBe(405);
    expect(await rawGet(chat.bot.opsPort ?? 0, '/api/status', 'attacker.example:80')).toBe(421);
    const before = (await (await fetch(`${base()}/api/status`)).json()) as StatusSnapshot;
    const first = before.services[0]?.samples;
    if (first?.ok !== true || first.value[0] === undefined) throw new Error('no samples before the restart');
    const oldest = first.value[0].at;

    await chat.bot.stop();
    chat = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL });
    const after = (await (await fetch(`${base()}/api/status`)).json()) as StatusSnapshot;
    const samples = after.services[0]?.samples;
    expect(samples?.ok === true && samples.value.some((sample) => sample.at === oldest)).toBe(true);
  }, 30_000);
});

describe('the status page when nothing runs the guard', () => {
  it('highlights the stale guard with its seconds since the last look', async () => {
    await requireRedis();
    const redis = new Redis(TEST_REDIS_URL);
    const prefix = uniquePrefix('status-page-stale');
    const config = { ...(await loadConfig()), ops_http: { host: '127.0.0.1' as const, port: 0, sample_seconds: 30 } };
    const gateway = await startConsoleBot({ config, prefix, redisUrl: TEST_REDIS_URL, role: 'gateway' });
    // The guard's looks are the leader's (issue 16): its schedule removed (as a broken scheduler would leave it), nobody looks.
    const guard = new Queue(GUARD_QUEUE, { connection: redis, prefix });
    await guard.removeJobScheduler('guard-kartotherian');
    await guard.close();
    const browser = await launchChromium(chromiumBinary());
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`http://127.0.0.1:${gateway.bot.opsPort ?? 0}/`);
      const stale = page.locator('[data-part="watches"] [data-watch="guard:kartotherian"][data-stale="true"]');
      // The guard looks no more: stale once two intervals (10 s at the shipped 5 s) have passed.
      await stale.waitFor({ timeout: 20_000 });
      // It looked once as the bot started, or never (a slow start): either way it is stale now.
      expect(await stale.innerText()).toMatch(/^⚠ guard:kartotherian (no check in \d+s|\d+s ago) \(every 5s\)$/);
      expect(await stale.getAttribute('class')).toContain('stale');
      expect(await stale.getAttribute('title')).toMatch(/has not looked at the pooled workers for \d+s \(every 5s expected\)/);
      // Red, not the green of a watch that looks.
      expect(await page.evaluate(`getComputedStyle(document.querySelector('[data-watch="guard:kartotherian"]')).color`)).toBe('rgb(248, 81, 73)');
    } finally {
      await browser.close();
      await gateway.bot.stop();
      await cleanupPrefix(redis, prefix);
      await redis.quit();
    }
  }, 40_000);
});

/** fetch() will not send a Host header of our choosing; a raw request can, as a rebinding page would. */
function rawGet(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}
