import { describe, expect, it } from 'vitest';
import { grafanaSecretsSchema, grafanaSettingsSchema } from '../../adapters/grafana/settings.js';
import { outboxSettingsSchema } from '../../adapters/outbox/settings.js';
import { conduitTokenSchema, phabricatorSecretsSchema, phabricatorSettingsSchema } from '../../adapters/phabricator/settings.js';
import { spicerackLocksSettingsSchema } from '../../adapters/spicerack/settings.js';

describe('config fragments for the spicerack locks, Phabricator and Grafana', () => {
  it('defaults the spicerack locks to what sre.k8s.pool-depool-node takes and the current spicerack writes', () => {
    expect(spicerackLocksSettingsSchema.parse({})).toEqual({
      take: 'sre.k8s.pool-depool-node:{fqdn}',
      also_blocked_by: ['sre.maps.roll-restart-reboot', 'sre.maps.roll-restart-reboot-master'],
      ttl_seconds: 600,
      created_style: 'aware',
      writer_lock: { tries: 8, delay_ms: 500 },
      // status hears from etcd through every lock call, and probes it at most every 30 s.
      probe_seconds: 30,
    });
    expect(spicerackLocksSettingsSchema.safeParse({ take: 'a/b' }).success).toBe(false);
  });

  it('needs a URL for Phabricator and Grafana, with a bounded outbox by default', () => {
    expect(phabricatorSettingsSchema.parse({ url: 'https://phabricator.wikimedia.org' }).outbox).toEqual(outboxSettingsSchema.parse({}));
    expect(phabricatorSettingsSchema.safeParse({ url: 'https://user@phabricator.wikimedia.org' }).success).toBe(false);
    expect(grafanaSettingsSchema.safeParse({ url: 'ftp://grafana' }).success).toBe(false);
    expect(outboxSettingsSchema.safeParse({ base_delay_seconds: 10, max_delay_seconds: 5 }).success).toBe(false);
  });

  it('takes tokens from a secret file setting or the environment, never from the settings', () => {
    expect(phabricatorSecretsSchema.parse({ phabricator_token_file: '/etc/cutover/phab' })).toEqual({ phabricator_token_file: '/etc/cutover/phab' });
    expect(grafanaSecretsSchema.parse({})).toEqual({});
    expect(phabricatorSettingsSchema.safeParse({ url: 'https://p', token: 'api-x' }).success).toBe(false);
    expect(conduitTokenSchema.safeParse('api-short').success).toBe(false);
  });
});
