import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, parseConfig, readEnvSettings } from '../../config/load.js';
import { createRedisConnection, resolveRedisTarget } from '../../jobs/redis-connection.js';
import { cutoverErrorFrom } from '../helpers/fakes.js';

const shipped = await readFile(DEFAULT_CONFIG_PATH, 'utf8');

/** The shipped config with its `redis:` block replaced. */
function withRedis(block: string): string {
  const at = shipped.search(/^redis:/m);
  if (at < 0) throw new Error('config/kartotherian.yaml has no top-level redis block any more');
  const bodyStart = shipped.indexOf('\n', at) + 1;
  const end = shipped.slice(bodyStart).search(/^\S/m);
  return `${shipped.slice(0, at)}${block}\n${end < 0 ? '' : shipped.slice(bodyStart + end)}`;
}

const SENTINELS = 'redis:\n  prefix: cutover\n  autostart: false\n  sentinels: [{ host: 10.0.0.1, port: 26379 }, { host: 10.0.0.2, port: 26379 }]\n  sentinel_name: cutover\n  wait_replicas: 1';

describe('redis.sentinels in the config', () => {
  it('reads sentinels, their name and the replicas to wait for', () => {
    const config = parseConfig(withRedis(SENTINELS), 'sentinel.yaml');
    expect(config.redis).toEqual({
      prefix: 'cutover',
      autostart: false,
      sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26379 }],
      sentinel_name: 'cutover',
      wait_replicas: 1,
      wait_timeout_ms: 500,
    });
  });

  it.each([
    ['sentinels without a name', 'redis:\n  sentinels: [{ host: 10.0.0.1, port: 26379 }]', /redis\.sentinel_name: .*set both or neither/],
    ['a name without sentinels', 'redis:\n  sentinel_name: cutover', /redis\.sentinels: .*set both or neither/],
    ['an empty list', 'redis:\n  sentinels: []\n  sentinel_name: cutover', /redis\.sentinels: list at least one sentinel/],
    ['a port out of range', 'redis:\n  sentinels: [{ host: 10.0.0.1, port: 263790 }]\n  sentinel_name: cutover', /redis\.sentinels\.0\.port/],
    ['a sentinel as a string', 'redis:\n  sentinels: ["10.0.0.1:26379"]\n  sentinel_name: cutover', /redis\.sentinels\.0/],
    ['a negative wait', 'redis:\n  wait_replicas: -1', /redis\.wait_replicas/],
  ])('refuses %s and says where', (_label, block, expected) => {
    const error = cutoverErrorFrom(() => parseConfig(withRedis(block), 'bad.yaml'));
    expect(error.code).toBe('config.invalid');
    expect(error.message).toMatch(expected);
  });
});

describe('REDIS_SENTINELS and friends in the environment', () => {
  it('reads a host:port list, IPv6 in brackets', () => {
    const env = readEnvSettings({ REDIS_SENTINELS: '10.0.0.1:26379, sentinel2.example.org:26380,[::1]:26381', REDIS_SENTINEL_NAME: 'mymaster', REDIS_PASSWORD: 'pw' });
    expect(env.redisSentinels).toEqual([
      { host: '10.0.0.1', port: 26379 },
      { host: 'sentinel2.example.org', port: 26380 },
      { host: '::1', port: 26381 },
    ]);
    expect(env.redisSentinelName).toBe('mymaster');
    expect(env.redisPassword).toBe('pw');
  });

  it.each(['10.0.0.1', '10.0.0.1:26379,', 'h:0', 'h:99999', ':26379', '10.0.0.1:26379;10.0.0.2:26379'])('refuses REDIS_SENTINELS=%j with the item and an example', (list) => {
    const error = cutoverErrorFrom(() => readEnvSettings({ REDIS_SENTINELS: list }));
    expect(error.code).toBe('config.invalid');
    expect(error.message).toMatch(/REDIS_SENTINELS: ".*" is not host:port \(e\.g\./);
  });
});

describe('resolveRedisTarget', () => {
  const base = { redisUrl: 'redis://127.0.0.1:6379', logLevel: 'warn' };
  const yaml = { sentinels: [{ host: '10.0.0.1', port: 26379 }], sentinel_name: 'cutover' };

  it('is the URL without sentinels, with REDIS_PASSWORD put in', () => {
    expect(resolveRedisTarget({}, base)).toEqual({ kind: 'server', url: 'redis://127.0.0.1:6379' });
    expect(resolveRedisTarget({}, { ...base, redisPassword: 'p@ss/word' })).toEqual({ kind: 'server', url: 'redis://:p%40ss%2Fword@127.0.0.1:6379' });
  });

  it('follows the sentinels, with the password and database of REDIS_URL', () => {
    expect(resolveRedisTarget(yaml, { ...base, redisUrl: 'redis://bot:s3cret@ignored:6379/2' })).toEqual({ kind: 'sentinel', sentinels: yaml.sentinels, name: 'cutover', username: 'bot', password: 's3cret', sentinelPassword: undefined, db: 2 });
  });

  it('takes the environment sentinels over none in the YAML', () => {
    const target = resolveRedisTarget({}, { ...base, redisSentinels: [{ host: 'a', port: 1 }], redisSentinelName: 'm', redisPassword: 'pw', redisSentinelPassword: 'spw' });
    expect(target).toMatchObject({ kind: 'sentinel', sentinels: [{ host: 'a', port: 1 }], name: 'm', password: 'pw', sentinelPassword: 'spw', db: 0 });
  });

  it.each([
    ['sentinels in both places', yaml, { redisSentinels: [{ host: 'a', port: 1 }] }, /redis\.sentinels and REDIS_SENTINELS are both set/],
    ['two passwords', {}, { redisUrl: 'redis://:one@127.0.0.1:6379', redisPassword: 'two' }, /REDIS_URL carries a password and REDIS_PASSWORD/],
    ['sentinels without a name', {}, { redisSentinels: [{ host: 'a', port: 1 }] }, /REDIS_SENTINELS needs REDIS_SENTINEL_NAME/],
    ['a name without sentinels', {}, { redisSentinelName: 'm' }, /REDIS_SENTINEL_NAME is set without any sentinels/],
    ['TLS it would drop', yaml, { redisUrl: 'rediss://127.0.0.1:6380' }, /REDIS_URL asks for TLS \(rediss:\/\/\), which cutover does not yet speak through Redis Sentinel/],
  ])('refuses %s', (_label, settings, env, expected) => {
    const error = cutoverErrorFrom(() => resolveRedisTarget(settings, { ...base, ...env }));
    expect(error.code).toBe('config.invalid');
    expect(error.message).toMatch(expected);
    // Passwords never appear in what is said about them.
    expect(error.message).not.toMatch(/:one@|\btwo\b/);
  });
});

describe('a Sentinel connection', () => {
  const target = { kind: 'sentinel' as const, sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'cutover', password: 'pw', db: 0 };

  it('follows a failover: told by the sentinels, and a READONLY write is sent again to the new primary', () => {
    const worker = createRedisConnection(target, 'worker', () => undefined);
    const client = createRedisConnection(target, 'client', () => undefined);
    try {
      expect(worker.options).toMatchObject({ sentinels: target.sentinels, name: 'cutover', role: 'master', password: 'pw', failoverDetector: true, maxRetriesPerRequest: null, enableOfflineQueue: true });
      expect(client.options.maxRetriesPerRequest).toBeGreaterThan(2);
      const reconnect = worker.options.reconnectOnError;
      expect(reconnect?.(new Error("READONLY You can't write against a read only replica."))).toBe(2);
      expect(reconnect?.(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    } finally {
      worker.disconnect();
      client.disconnect();
    }
  });
});
