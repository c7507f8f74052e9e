import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnvSettings } from '../../config/load.js';
import { withSecretFiles } from '../../config/secret-files.js';
import { createLogger } from '../../bot/logger.js';
import { CutoverError } from '../../core/errors.js';

const BOT_TOKEN = 'xoxb-1111-2222-abcdefSECRET';

describe('secrets from files named in the config', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cutover-secrets-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function secretFile(name: string, content: string, mode = 0o640): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    await chmod(path, mode);
    return path;
  }

  async function refusal(run: () => Promise<unknown>): Promise<CutoverError> {
    const error = await run().then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(CutoverError);
    return error as CutoverError;
  }

  it('reads each file into its environment variable, trailing newline dropped, and validates it like the environment', async () => {
    const env = await withSecretFiles(
      { slack_bot_token_file: await secretFile('bot', `${BOT_TOKEN}\n`), etcd_password_file: await secretFile('etcd', 'etcd-pass', 0o600) },
      { REDIS_URL: 'redis://127.0.0.1:6380' },
    );
    expect(readEnvSettings(env)).toMatchObject({ redisUrl: 'redis://127.0.0.1:6380', slackBotToken: BOT_TOKEN, etcdPassword: 'etcd-pass' });
  });

  it('refuses a file every user can read, naming the setting and the fix but not the content', async () => {
    const error = await refusal(async () => withSecretFiles({ slack_bot_token_file: await secretFile('bot', BOT_TOKEN, 0o644) }, {}));
    expect(error.code).toBe('config.invalid');
    expect(error.message).toContain('secrets.slack_bot_token_file');
    expect(error.message).toContain('chmod o-rwx');
    expect(error.message).not.toContain('SECRET');
  });

  it('refuses a secret set both in a file and in the environment', async () => {
    const path = await secretFile('etcd', 'from-file');
    const error = await refusal(() => withSecretFiles({ etcd_password_file: path }, { CUTOVER_ETCD_PASSWORD: 'from-env' }));
    expect(error.message).toBe('secrets.etcd_password_file and CUTOVER_ETCD_PASSWORD are both set; keep one.');
  });

  it('refuses a missing, empty or multi-line file', async () => {
    expect((await refusal(() => withSecretFiles({ irc_sasl_password_file: join(dir, 'absent') }, {}))).message).toContain('(ENOENT)');
    const empty = await secretFile('empty', '\n');
    expect((await refusal(() => withSecretFiles({ irc_sasl_password_file: empty }, {}))).message).toContain('exactly one non-empty line');
    const twoLines = await secretFile('two', 'line-one\nline-two\n');
    const error = await refusal(() => withSecretFiles({ irc_sasl_password_file: twoLines }, {}));
    expect(error.message).not.toContain('line-one');
  });

  it('a file holding the wrong kind of token is refused by the same rule as the environment, without echoing it', async () => {
    const env = await withSecretFiles({ slack_bot_token_file: await secretFile('bot', 'xapp-1-SECRETAPP') }, {});
    let message = '';
    try {
      readEnvSettings(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('SLACK_BOT_TOKEN must be a bot token');
    expect(message).not.toContain('SECRETAPP');
  });
});

describe('the bot logger', () => {
  it('censors credentials wherever an options bag carries them', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info({ tokens: { bot: BOT_TOKEN }, etcd: { password: 'etcd-pass', url: 'https://root:etcd-pass@etcd1001:2379' }, headers: { authorization: 'Bearer abc' } }, 'connecting');
    const written = lines.join('');
    expect(written).toContain('connecting');
    expect(written).toContain('[redacted]');
    for (const secret of [BOT_TOKEN, 'etcd-pass', 'Bearer abc']) expect(written).not.toContain(secret);
  });
});
