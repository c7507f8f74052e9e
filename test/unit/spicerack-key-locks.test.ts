import { describe, expect, it } from 'vitest';
import { formatCreated, parseCreated } from '../../adapters/spicerack/created-time.js';
import { addLock, formatKeyLocks, parseKeyLocks } from '../../adapters/spicerack/key-locks.js';
import { fillTemplate } from '../../adapters/spicerack/host-locks.js';

/** Printed by Python 3.12: json.dumps of two ConcurrentLock.to_dict()s, created = str(datetime(..., tzinfo=UTC)). */
const PYTHON = '{"4e2677c7-541a-4f9e-afbb-cfdb69c440a1": {"concurrency": 5, "created": "2023-07-16 16:46:52.161053+00:00", "owner": "user@h\\u00f6st [12345]", "ttl": 120}, "b": {"concurrency": 0, "created": "2023-07-16 16:46:52+00:00", "owner": "x", "ttl": 1}}';
const T0 = Date.UTC(2023, 6, 16, 16, 46, 52) * 1000;

describe('spicerack KeyLocks', () => {
  it('reads and writes the JSON byte for byte as Python does', () => {
    const locks = parseKeyLocks('/k', PYTHON);
    expect(locks.map((lock) => [lock.uuid, lock.owner, lock.createdMicros - T0])).toEqual([
      ['4e2677c7-541a-4f9e-afbb-cfdb69c440a1', 'user@höst [12345]', 161_053],
      ['b', 'x', 0],
    ]);
    expect(formatKeyLocks(locks)).toBe(PYTHON);
  });

  it('prints created as str(datetime) does, aware or naive, and reads both', () => {
    expect(formatCreated(T0 + 161_053, 'aware')).toBe('2023-07-16 16:46:52.161053+00:00');
    expect(formatCreated(T0, 'aware')).toBe('2023-07-16 16:46:52+00:00');
    expect(formatCreated(T0 + 900_000, 'naive')).toBe('2023-07-16 16:46:52.900000');
    expect(parseCreated('/k', '2023-07-16 16:46:52.9')).toBe(T0 + 900_000);
    expect(() => parseCreated('/k', '16 July')).toThrow(/cannot parse/);
  });

  it('refuses a lock with a field spicerack would choke on', () => {
    expect(() => parseKeyLocks('/k', '{"a": {"concurrency": 1, "created": "2023-07-16 16:46:52+00:00", "owner": "x", "ttl": 5, "extra": 1}}')).toThrow(/unreadable entry a/);
  });

  it('applies KeyLocks.add: limits, unlimited 0, and the expired lock still counted by the first check', () => {
    const at = (seconds: number): number => T0 + seconds * 1_000_000;
    const one = parseKeyLocks('/k', '{"old": {"concurrency": 1, "created": "2023-07-16 16:46:52+00:00", "owner": "gone", "ttl": 10}}');
    // Expired at +11 s: dropped, and the newcomer gets the key.
    const added = addLock(one, { uuid: 'n', concurrency: 1, owner: 'me', ttl: 60 }, at(11), 'aware');
    expect(added.ok && added.locks.map((lock) => lock.uuid)).toEqual(['n']);
    // At +10 s it is still live (created + ttl < now is false).
    expect(addLock(one, { uuid: 'n', concurrency: 0, owner: 'me', ttl: 60 }, at(10), 'aware')).toEqual({ ok: false, limit: 1, count: 1 });

    const two = parseKeyLocks('/k', '{"old": {"concurrency": 1, "created": "2023-07-16 16:46:52+00:00", "owner": "gone", "ttl": 10}, "live": {"concurrency": 2, "created": "2023-07-16 16:46:52+00:00", "owner": "bob", "ttl": 600}}');
    // spicerack counts len(self.locks) before dropping the expired one: 2 >= 2 refuses.
    expect(addLock(two, { uuid: 'n', concurrency: 2, owner: 'me', ttl: 60 }, at(11), 'aware')).toEqual({ ok: false, limit: 2, count: 2 });
    const unlimited = parseKeyLocks('/k', '{"live": {"concurrency": 0, "created": "2023-07-16 16:46:52+00:00", "owner": "bob", "ttl": 600}}');
    expect(addLock(unlimited, { uuid: 'n', concurrency: 0, owner: 'me', ttl: 60 }, at(1), 'aware').ok).toBe(true);
    expect(addLock(unlimited, { uuid: 'n', concurrency: 1, owner: 'me', ttl: 60 }, at(1), 'aware')).toEqual({ ok: false, limit: 1, count: 1 });
  });

  it('names the host locks as the cookbooks do', () => {
    expect(fillTemplate('sre.k8s.pool-depool-node:{fqdn}', 'wikikube-worker1001.eqiad.wmnet')).toBe('sre.k8s.pool-depool-node:wikikube-worker1001.eqiad.wmnet');
    expect(fillTemplate('sre.hosts.reboot-single:{short}', 'maps1005.eqiad.wmnet')).toBe('sre.hosts.reboot-single:maps1005');
    expect(fillTemplate('sre.k8s.reboot-nodes:wikikube-{dc}', 'wikikube-worker1001.eqiad.wmnet')).toBe('sre.k8s.reboot-nodes:wikikube-eqiad');
  });
});
