/**
 * The cookbook locks' etcd in the integrations status (issue 15 item 7): the locks as the bot
 * builds them, on a real etcd that is stopped and started again on the same ports and data. Read
 * while it answers, it is ok; stopped, the probe (and any lock call) says it is unreachable since
 * then; back, ok again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spicerackLocksSettingsSchema } from '../../adapters/spicerack/settings.js';
import { createCookbookLocks } from '../../bot/create-cookbook-locks.js';
import { observedCookbookLocks } from '../../bot/create-integrations.js';
import { loadConfig } from '../../config/load.js';
import { integrationsWarning } from '../../core/integration-words.js';
import { IntegrationHealth } from '../../jobs/integration-health.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd-server.js';

const PROBE_SECONDS = 0.2;
const later = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, PROBE_SECONDS * 1000 + 100));

describe("the cookbook locks' etcd in the integrations status (real etcd)", () => {
  let etcd: EtcdServer | undefined;
  let dir: string | undefined;

  afterAll(async () => {
    await etcd?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('ok while etcd answers, unreachable once it is stopped (by the probe and by a lock call), ok once it is back', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cutover-locks-health-'));
    etcd = await startEtcd({ dir });
    const config = await loadConfig();
    config.dry_run = false;
    config.backends.pooling = { kind: 'etcd', endpoints: [etcd.url], timeout_ms: 1000 };
    config.backends.cookbook_locks = spicerackLocksSettingsSchema.parse({ probe_seconds: PROBE_SECONDS });
    const health = new IntegrationHealth({ now: () => Date.now() });
    const locks = observedCookbookLocks(createCookbookLocks(config, {}), config, health);
    if (locks === undefined) throw new Error('no cookbook locks built');

    expect(await health.statuses()).toEqual([{ name: 'cookbook locks etcd', state: 'ok' }]);

    const { clientPort, peerPort } = etcd;
    await etcd.stop();
    await later();
    const down = await health.statuses();
    expect(down[0]?.state).toBe('unreachable');
    expect(integrationsWarning(down)).toMatch(/^⚠ integrations: cookbook locks etcd unreachable since \d\d:\d\d \(.+\)$/);
    // A real lock call fails too, and keeps the time it first failed.
    await expect(locks.lockHost('wikikube-worker1001.eqiad.wmnet', { person: 'alice' })).rejects.toThrow();
    expect((await health.statuses())[0]?.since).toBe(down[0]?.since);

    etcd = await startEtcd({ dir, clientPort, peerPort });
    await later();
    expect(await health.statuses()).toEqual([{ name: 'cookbook locks etcd', state: 'ok' }]);
  }, 60_000);
});
