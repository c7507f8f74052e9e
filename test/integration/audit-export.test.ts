import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from '../../config/load.js';
import { RedisAuditLog } from '../../jobs/redis-audit-log.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const TSX = join(import.meta.dirname, '../../node_modules/.bin/tsx');
const EXPORT = join(import.meta.dirname, '../../bot/export-audit.ts');
const RECORDS = 2500;

describe('npm run audit-export', () => {
  let redis: Redis;
  let dir: string;
  let configPath: string;
  const prefix = uniquePrefix('export');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    dir = await mkdtemp(join(tmpdir(), 'cutover-export-'));
    configPath = join(dir, 'config.yaml');
    await writeFile(configPath, (await readFile(DEFAULT_CONFIG_PATH, 'utf8')).replace('prefix: cutover', `prefix: ${prefix}`));
    const audit = new RedisAuditLog(redis, prefix, { now: () => Date.now() });
    for (let index = 0; index < RECORDS; index += 1) {
      await audit.append({ event: index % 2 === 0 ? 'command' : 'approval.granted', service: index % 5 === 0 ? 'other' : 'kartotherian', who: 'alice', where: 'console:console', requestId: `r${index}`, detail: `entry ${index} "quoted"\n` });
    }
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  async function runExport(...args: string[]): Promise<{ lines: Record<string, string>[]; stderr: string }> {
    const result = await execa(TSX, [EXPORT, '--config', configPath, ...args], { env: { REDIS_URL: TEST_REDIS_URL }, timeout: 30_000 });
    return { lines: result.stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, string>), stderr: result.stderr };
  }

  it('writes the whole trail as JSON Lines, oldest first, across pages, each record intact', async () => {
    const { lines, stderr } = await runExport();
    expect(lines).toHaveLength(RECORDS);
    expect(stderr).toContain(`${RECORDS} record(s)`);
    expect(lines[0]).toMatchObject({ event: 'command', service: 'other', who: 'alice', requestId: 'r0', detail: 'entry 0 "quoted"\n' });
    expect(lines.at(-1)).toMatchObject({ requestId: `r${RECORDS - 1}` });
    expect(new Set(lines.map((line) => line['id'])).size).toBe(RECORDS);
  });

  it('filters by time (the stream id, which is Redis time) and service', async () => {
    const { lines: all } = await runExport();
    const idTime = (line: Record<string, string> | undefined): number => Number((line?.['id'] ?? '').split('-')[0]);
    const sinceMs = idTime(all[2001]);
    const { lines } = await runExport('--since', new Date(sinceMs).toISOString(), '--service', 'kartotherian');
    const expected = all.filter((line) => idTime(line) >= sinceMs && line['service'] === 'kartotherian');
    expect(expected.length).toBeGreaterThan(300);
    expect(lines).toEqual(expected);
  });

  it('refuses a time it cannot read and says where it looked when Redis is not there', async () => {
    const bad = await execa(TSX, [EXPORT, '--config', configPath, '--since', 'yesterday'], { env: { REDIS_URL: TEST_REDIS_URL }, reject: false });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('--since must be an ISO 8601 time');
    const away = await execa(TSX, [EXPORT, '--config', configPath], { env: { REDIS_URL: 'redis://:pw@127.0.0.1:1' }, reject: false, timeout: 20_000 });
    expect(away.exitCode).toBe(1);
    expect(away.stderr).toContain('No Redis at');
    expect(away.stderr).not.toContain(':pw@');
  });
});
