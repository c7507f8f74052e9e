import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EtcdV2Client } from '../../adapters/conftool/etcd-client.js';
import { SpicerackHostLocks } from '../../adapters/spicerack/host-locks.js';
import { spicerackLocksSettingsSchema } from '../../adapters/spicerack/settings.js';
import { SpicerackLocks } from '../../adapters/spicerack/spicerack-locks.js';
import { EtcdKeys, startEtcd, type EtcdServer } from '../helpers/etcd-server.js';
import { parseCreatedUs, SpicerackWriter } from '../helpers/spicerack-writer.js';

const W1 = 'wikikube-worker1001.eqiad.wmnet';
const W2 = 'wikikube-worker1002.eqiad.wmnet';
const TAKE_KEY = `/spicerack/locks/cookbooks/sre.k8s.pool-depool-node:${W1}`;
const COOKBOOK = 'sre.k8s.pool-depool-node';

describe('spicerack-compatible cookbook locks against a real etcd, contending with a spicerack-protocol writer', () => {
  let etcd: EtcdServer;
  let keys: EtcdKeys;
  let client: EtcdV2Client;
  const sleeps: number[] = [];

  function hostLocks(now: () => number = Date.now): SpicerackHostLocks {
    const settings = spicerackLocksSettingsSchema.parse({ writer_lock: { tries: 3, delay_ms: 10 } });
    const locks = new SpicerackLocks(client, {
      createdStyle: settings.created_style,
      writerLock: { tries: settings.writer_lock.tries, delayMs: settings.writer_lock.delay_ms, sleep: async (ms) => void sleeps.push(ms) },
      now,
    });
    return new SpicerackHostLocks({ locks, settings, hostname: 'cumin1002', pid: 4242 });
  }

  beforeAll(async () => {
    etcd = await startEtcd();
    keys = new EtcdKeys(etcd.url);
    client = new EtcdV2Client({ endpoints: [etcd.url], timeoutMs: 5000 });
  });
  afterAll(async () => {
    await etcd.stop();
  });
  beforeEach(async () => {
    sleeps.length = 0;
    await keys.removeTree('/spicerack');
  });

  it('writes the lock as spicerack does, makes the cookbook refuse, and deletes the key on release', async () => {
    const locks = hostLocks();
    const taken = await locks.lockHost(W1, { person: 'alice', requestId: 'k7qm' });
    if (!taken.ok) throw new Error(`expected the lock, got ${JSON.stringify(taken)}`);
    const stored = await keys.get(TAKE_KEY);
    expect(stored?.value).toMatch(
      /^\{"[0-9a-f-]{36}": \{"concurrency": 1, "created": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00", "owner": "cutover alice@cumin1002 \[4242\] request k7qm", "ttl": 600\}\}$/,
    );
    expect(Math.abs(parseCreatedUs(/"created": "([^"]+)"/.exec(stored?.value ?? '')?.[1] ?? '') / 1000 - Date.now())).toBeLessThan(60_000);

    const cookbook = new SpicerackWriter(etcd.url, 'bob@cumin1002 [777]');
    await expect(cookbook.acquire('cookbooks', `${COOKBOOK}:${W1}`, 1, 600)).rejects.toThrow(/LockUnavailableError/);

    await locks.unlockHost(taken.lease);
    expect(await keys.get(TAKE_KEY)).toBeUndefined();
    const id = await cookbook.acquire('cookbooks', `${COOKBOOK}:${W1}`, 1, 600);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses while a cookbook holds the host, naming the owner and the age', async () => {
    const cookbook = new SpicerackWriter(etcd.url, 'bob@cumin1002 [777]', () => Date.now() - 125_000);
    await cookbook.acquire('cookbooks', `${COOKBOOK}:${W1}`, 1, 600);
    const refused = await hostLocks().lockHost(W1, { person: 'alice' });
    expect(refused).toMatchObject({ ok: false, reason: 'held', holders: [{ fqdn: W1, key: TAKE_KEY, owner: 'bob@cumin1002 [777]', ttlSeconds: 600, concurrency: 1, cutover: false }] });
    if (refused.ok || refused.reason !== 'held') throw new Error('unreachable');
    expect(refused.holders[0]?.ageSeconds).toBeGreaterThanOrEqual(125);
    expect(refused.holders[0]?.ageSeconds).toBeLessThan(185);
  });

  it('sees host locks by node set and short name, and the service-wide cookbooks, and not other hosts', async () => {
    const cookbook = new SpicerackWriter(etcd.url, 'carol@cumin2002 [9]');
    await cookbook.acquire('cookbooks', `${COOKBOOK}:wikikube-worker[1001-1002].eqiad.wmnet`, 1, 600);
    await cookbook.acquire('custom', 'sre.hosts.decommission:maps1005', 1, 600);
    await cookbook.acquire('cookbooks', 'sre.k8s.reboot-nodes:wikikube-eqiad', 5, 1800);
    const locks = hostLocks();
    expect(await locks.lockHost(W2, { person: 'alice' })).toMatchObject({ ok: false, reason: 'held', holders: [{ fqdn: W2, owner: 'carol@cumin2002 [9]' }] });
    const on = await locks.locksOn(['maps1005.eqiad.wmnet', 'wikikube-worker1003.eqiad.wmnet']);
    expect(on.map((lock) => [lock.fqdn, lock.key])).toEqual([['maps1005.eqiad.wmnet', '/spicerack/locks/custom/sre.hosts.decommission:maps1005']]);

    await cookbook.acquire('cookbooks', 'sre.maps.roll-restart-reboot', 20, 1800);
    expect(await locks.lockHost('maps1006.eqiad.wmnet', { person: 'alice' })).toMatchObject({ ok: false, reason: 'held', holders: [{ key: '/spicerack/locks/cookbooks/sre.maps.roll-restart-reboot' }] });
  });

  it('honours the TTL: an expired cookbook lock is dropped from the key as spicerack drops it', async () => {
    const stale = new SpicerackWriter(etcd.url, 'dave@cumin1002 [1]', () => Date.now() - 601_000);
    await stale.acquire('cookbooks', `${COOKBOOK}:${W1}`, 1, 600);
    const locks = hostLocks();
    expect(await locks.locksOn([W1])).toEqual([]);
    const taken = await locks.lockHost(W1, { person: 'alice' });
    expect(taken.ok).toBe(true);
    const value = (await keys.get(TAKE_KEY))?.value ?? '';
    expect(value).not.toContain('dave@');
    expect(Object.keys(JSON.parse(value) as object)).toHaveLength(1);
  });

  it('respects the writer lock: retries while it is held, then says so; succeeds once it is released', async () => {
    const cookbook = new SpicerackWriter(etcd.url, 'bob@cumin1002 [777]');
    const writer = await cookbook.takeWriterLock();
    const locks = hostLocks();
    const busy = await locks.lockHost(W1, { person: 'alice' });
    expect(busy).toMatchObject({ ok: false, reason: 'busy' });
    if (busy.ok || busy.reason !== 'busy') throw new Error('unreachable');
    expect(busy.detail).toContain(writer);
    expect(busy.detail).toContain('3 attempts');
    expect(sleeps).toEqual([10, 20]);
    expect(await keys.get(TAKE_KEY)).toBeUndefined();
    // Our queued keys are gone: only the holder's remains.
    const queue = (await (await fetch(`${etcd.url}/v2/keys/spicerack/locks/etcd`)).json()) as { node: { nodes?: { key: string }[] } };
    expect(queue.node.nodes?.map((node) => node.key)).toEqual([writer]);

    await cookbook.releaseWriterLock(writer);
    expect((await locks.lockHost(W1, { person: 'alice' })).ok).toBe(true);
  });

  it('release removes only our uuid, leaves the others byte for byte, and the last release deletes the key', async () => {
    const locks = new SpicerackLocks(client, { createdStyle: 'aware', writerLock: { tries: 3, delayMs: 10 } });
    const name = 'sre.k8s.pool-depool-node:wikikube-eqiad';
    const cookbook = new SpicerackWriter(etcd.url, 'bob@cumin1002 [777]');
    const theirs = await cookbook.acquire('cookbooks', name, 3, 1800);
    const before = (await keys.get(`/spicerack/locks/cookbooks/${name}`))?.value ?? '';
    const ours = await locks.acquire('cookbooks', name, { concurrency: 3, ttlSeconds: 600, owner: 'cutover alice@cumin1002 [4242]' });
    if (!ours.ok) throw new Error(JSON.stringify(ours));
    expect((await locks.holders('cookbooks', name)).map((holder) => holder.id)).toEqual([theirs, ours.id]);
    await cookbook.acquire('cookbooks', name, 3, 1800);
    await expect(cookbook.acquire('cookbooks', name, 3, 1800)).rejects.toThrow(/concurrency allowed is 3/);

    expect(await locks.release(ours.key, ours.id)).toBe(true);
    expect(await locks.release(ours.key, ours.id)).toBe(false);
    const after = (await keys.get(`/spicerack/locks/cookbooks/${name}`))?.value ?? '';
    expect(after.startsWith(before.slice(0, -1))).toBe(true);
    expect(after).not.toContain('cutover');
  });
});
