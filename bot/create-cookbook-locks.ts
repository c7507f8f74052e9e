import { hostname } from 'node:os';
import { createEtcdClient } from '../adapters/conftool/create-pooling-backend.js';
import { SpicerackHostLocks } from '../adapters/spicerack/host-locks.js';
import { SpicerackLocks } from '../adapters/spicerack/spicerack-locks.js';
import type { EnvSettings } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { CookbookLocks } from '../core/ports/cookbook-locks.js';

/**
 * spicerack's cookbook locks when the config asks for them, in the same etcd as conftool (the
 * schema refuses them beside any other pooling backend), with the same endpoints and credentials.
 * A dry run takes none, as spicerack's own dry run writes no lock.
 */
export function createCookbookLocks(config: Config, env: Pick<EnvSettings, 'etcdPassword'>): CookbookLocks | undefined {
  const settings = config.backends.cookbook_locks;
  const pooling = config.backends.pooling;
  if (settings === undefined || pooling.kind !== 'etcd' || config.dry_run) return undefined;
  const client = createEtcdClient(pooling, env.etcdPassword === undefined ? {} : { password: env.etcdPassword });
  const locks = new SpicerackLocks(client, { createdStyle: settings.created_style, writerLock: { tries: settings.writer_lock.tries, delayMs: settings.writer_lock.delay_ms } });
  return new SpicerackHostLocks({ locks, settings, hostname: hostname(), pid: process.pid });
}
