import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from '../../config/load.js';
import { cleanupPrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const TSX = join(import.meta.dirname, '../../node_modules/.bin/tsx');
const CLI = join(import.meta.dirname, '../../bot/cli.ts');

/** The bot as a newcomer runs it: a process with piped stdin, nothing else. */
describe('npm start as a scriptable process', () => {
  let redis: Redis;
  let dir: string;
  const prefix = uniquePrefix('cli');

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    dir = await mkdtemp(join(tmpdir(), 'cutover-cli-'));
  });

  afterAll(async () => {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  async function configFile(name: string, edit: (text: string) => string): Promise<string> {
    const path = join(dir, name);
    const shipped = await readFile(DEFAULT_CONFIG_PATH, 'utf8');
    // Plan files are found next to the config, so this copy names the shipped plan by its full path.
    const plan = join(dirname(DEFAULT_CONFIG_PATH), 'plans/kartotherian.yaml');
    await writeFile(path, edit(shipped.replace('prefix: cutover', `prefix: ${prefix}`).replace('state_dir: .state', `state_dir: ${join(dir, 'state')}`).replace('file: plans/kartotherian.yaml', `file: ${plan}`)));
    return path;
  }

  it('prints the whole conversation of a piped script and exits 0 once the work has settled', async () => {
    const config = await configFile('ok.yaml', (text) => text);
    const script = ['!kartotherian pool wikikube1001 first canary --task T378944', '/as bob', '!approve', '!kartotherian status --dc eqiad --service kartotherian-k8s-ssl', ''].join('\n');
    const result = await execa(TSX, [CLI, '--config', config], { input: script, env: { REDIS_URL: TEST_REDIS_URL }, reject: false, timeout: 60_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('<alice> !kartotherian pool wikikube1001 first canary --task T378944');
    expect(result.stdout).toMatch(/<cutover> ⏳ \w+: alice asks to pool wikikube-worker1001/);
    expect(result.stdout).toContain('<bob> !approve');
    expect(result.stdout).toMatch(/<cutover> ✅ \w+ done: .*pooled=yes weight=10, read back and verified/);
    expect(result.stdout).toMatch(/<cutover> eqiad kartotherian-k8s-ssl:6543 — /);
  });

  it('refuses a bad config with the path of every bad key, and starts nothing', async () => {
    const config = await configFile('bad.yaml', (text) =>
      text.replace(`prefix: ${prefix}`, `prefix: ${prefix}-bad`).replace('port: 6543', 'port: 70000').replace('members: [maps, wikikube]', 'members: [maps, wikikub]').replace('speaker: alice', 'speaker: zed'),
    );
    const result = await execa(TSX, [CLI, '--config', config], { input: '!kartotherian status\n', env: { REDIS_URL: TEST_REDIS_URL }, reject: false, timeout: 30_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('services.kartotherian.lvs_services.kartotherian-k8s-ssl.port');
    expect(result.stderr).toContain('services.kartotherian.lvs_services.kartotherian-k8s-ssl.members.1: unknown host group "wikikub"');
    expect(result.stderr).toContain('transports.console.speaker: unknown person "zed"');
    expect(await redis.keys(`${prefix}-bad:*`)).toEqual([]);
  });
});
