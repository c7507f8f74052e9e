import { describe, expect, it } from 'vitest';
import { ConfctlPooling } from '../../adapters/conftool/confctl-pooling.js';
import { createPoolingBackend } from '../../adapters/conftool/create-pooling-backend.js';
import { DryRunPooling } from '../../adapters/conftool/dry-run-pooling.js';
import { EtcdV2Client } from '../../adapters/conftool/etcd-client.js';
import { EtcdPooling } from '../../adapters/conftool/etcd-pooling.js';
import { confctlPoolingSettingsSchema, etcdPoolingSettingsSchema, pybalSettingsSchema } from '../../adapters/conftool/settings.js';
import { createCommandRunner, showArgv, type CommandResult, type CommandRunner, type CommandSpec } from '../../adapters/command-runner.js';
import { CutoverError } from '../../core/errors.js';

const M5 = '/conftool/v1/pools/eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet';
const SELECT_M5 = 'name=maps1005\\.eqiad\\.wmnet,dc=eqiad,cluster=maps,service=kartotherian-ssl';

interface SeenRequest {
  url: string;
  method: string;
  body: string | undefined;
  headers: Record<string, string>;
}

/** A fetch that records requests and answers from a script, one answer per call. */
function scriptedFetch(answers: (Response | Error)[]): { fetch: typeof globalThis.fetch; seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    seen.push({
      url: input instanceof Request ? input.url : input.toString(),
      method: init?.method ?? 'GET',
      body: typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : undefined,
      headers: { ...(init?.headers as Record<string, string> | undefined) },
    });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no scripted answer left');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch, seen };
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const node = (value: string, index: number) => ({ action: 'get', node: { key: M5, value, modifiedIndex: index, createdIndex: 3 } });

describe('settings', () => {
  it('fills defaults and keeps credentials out of etcd endpoints', () => {
    expect(etcdPoolingSettingsSchema.parse({ kind: 'etcd', endpoints: ['https://conf1007.eqiad.wmnet:2379'] })).toEqual({ kind: 'etcd', endpoints: ['https://conf1007.eqiad.wmnet:2379'], timeout_ms: 5000 });
    for (const endpoint of ['https://root:pw@conf1007.eqiad.wmnet:2379', 'https://conf1007.eqiad.wmnet:2379/v2/keys', 'https://conf1007.eqiad.wmnet:2379?x=1', 'ftp://conf1007.eqiad.wmnet', 'conf1007.eqiad.wmnet:2379']) {
      expect(etcdPoolingSettingsSchema.safeParse({ kind: 'etcd', endpoints: [endpoint] }).success).toBe(false);
    }
    expect(etcdPoolingSettingsSchema.safeParse({ kind: 'etcd', endpoints: [] }).success).toBe(false);
    expect(etcdPoolingSettingsSchema.safeParse({ kind: 'etcd', endpoints: ['http://127.0.0.1:2379'], password: 'x' }).success).toBe(false);
  });

  it('confctl: a command host, a timeout and a program path that cannot carry shell syntax', () => {
    expect(confctlPoolingSettingsSchema.parse({ kind: 'confctl', host: { kind: 'ssh', host: 'cumin1002.eqiad.wmnet' } })).toEqual({
      kind: 'confctl',
      host: { kind: 'ssh', host: 'cumin1002.eqiad.wmnet', ssh_options: ['-o', 'BatchMode=yes'] },
      timeout_ms: 30_000,
      confctl_path: 'confctl',
    });
    expect(confctlPoolingSettingsSchema.safeParse({ kind: 'confctl', host: { kind: 'local' }, confctl_path: '/usr/bin/confctl' }).success).toBe(true);
    for (const path of ['confctl; id', 'sudo confctl', '$(id)', 'bin/../confctl x']) {
      expect(confctlPoolingSettingsSchema.safeParse({ kind: 'confctl', host: { kind: 'local' }, confctl_path: path }).success).toBe(false);
    }
  });

  it('pybal: LVS hosts per DC, port 9090 over http by default', () => {
    expect(pybalSettingsSchema.parse({ lvs_hosts: { eqiad: ['lvs1019.eqiad.wmnet', 'lvs1020.eqiad.wmnet'] } })).toEqual({
      lvs_hosts: { eqiad: ['lvs1019.eqiad.wmnet', 'lvs1020.eqiad.wmnet'] },
      port: 9090,
      scheme: 'http',
      timeout_ms: 3000,
      confirm_timeout_ms: 30_000,
      poll_interval_ms: 1000,
    });
    expect(pybalSettingsSchema.safeParse({ lvs_hosts: { eqiad: [] } }).success).toBe(false);
    expect(pybalSettingsSchema.safeParse({ lvs_hosts: { eqiad: ['lvs1019;id'] } }).success).toBe(false);
  });
});

describe('createPoolingBackend', () => {
  it('builds etcd, confctl, and dry-run wrappers of either', () => {
    const etcd = etcdPoolingSettingsSchema.parse({ kind: 'etcd', endpoints: ['http://127.0.0.1:2379'] });
    const confctl = confctlPoolingSettingsSchema.parse({ kind: 'confctl', host: { kind: 'local' } });
    expect(createPoolingBackend(etcd)).toBeInstanceOf(EtcdPooling);
    expect(createPoolingBackend(confctl)).toBeInstanceOf(ConfctlPooling);
    const dry = createPoolingBackend(etcd, { dryRun: true });
    expect(dry).toBeInstanceOf(DryRunPooling);
    expect(dry.kind).toBe('dry-run:etcd');
  });

  it('needs the password from the environment when a username is configured', () => {
    const settings = etcdPoolingSettingsSchema.parse({ kind: 'etcd', endpoints: ['http://127.0.0.1:2379'], username: 'cutover' });
    expect(() => createPoolingBackend(settings)).toThrow(CutoverError);
    expect(() => createPoolingBackend(settings, { password: '' })).toThrow(/no etcd password/);
  });

  it('sends basic auth with the password it was given, and never shows it', async () => {
    // Two reads: the caller's, and the dry run's own look at what is there now.
    const { fetch, seen } = scriptedFetch([json(200, node('{"weight": 10, "pooled": "yes"}', 7)), json(200, node('{"weight": 10, "pooled": "yes"}', 7))]);
    const settings = etcdPoolingSettingsSchema.parse({ kind: 'etcd', endpoints: ['http://127.0.0.1:2379'], username: 'cutover' });
    const backend = createPoolingBackend(settings, { password: 's3cret', fetch, dryRun: true });
    const entry = await backend.get(M5);
    await backend.compareAndSet(M5, { pooled: 'no', weight: 10 }, entry?.revision ?? null);
    expect(seen).toHaveLength(2);
    expect(seen.every((request) => request.method === 'GET')).toBe(true);
    expect(seen[0]?.headers['Authorization']).toBe(`Basic ${Buffer.from('cutover:s3cret').toString('base64')}`);
    expect(JSON.stringify((backend as DryRunPooling).plannedWrites)).not.toContain('s3cret');
  });
});

describe('EtcdPooling requests (stubbed fetch)', () => {
  it('reads with quorum and writes a compare-and-swap form exactly like conftool', async () => {
    const { fetch, seen } = scriptedFetch([json(200, node('{"weight": 10, "pooled": "yes"}', 7)), json(200, { action: 'compareAndSwap', node: { key: M5, value: '{"weight": 10, "pooled": "no"}', modifiedIndex: 9, createdIndex: 3 } })]);
    const pooling = new EtcdPooling(new EtcdV2Client({ endpoints: ['http://conf1007.eqiad.wmnet:2379/'], timeoutMs: 1000, fetch }));
    const entry = await pooling.get(M5);
    const written = await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, entry?.revision ?? null);
    expect(seen.map(({ url, method, body }) => ({ url, method, body }))).toEqual([
      { url: `http://conf1007.eqiad.wmnet:2379/v2/keys${M5}?quorum=true`, method: 'GET', body: undefined },
      { url: `http://conf1007.eqiad.wmnet:2379/v2/keys${M5}`, method: 'PUT', body: `value=${encodeURIComponent('{"weight": 10, "pooled": "no"}').replaceAll('%20', '+')}&prevIndex=7&prevExist=true` },
    ]);
    expect(written.revision).toBe('9');
    expect(seen[1]?.headers['Content-Type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
  });

  it('creates with prevExist=false, and refuses a revision that is not an etcd index without sending anything', async () => {
    const { fetch, seen } = scriptedFetch([json(201, { action: 'create', node: { key: M5, value: '{"weight": 0, "pooled": "inactive"}', modifiedIndex: 4, createdIndex: 4 } })]);
    const pooling = new EtcdPooling(new EtcdV2Client({ endpoints: ['http://127.0.0.1:2379'], timeoutMs: 1000, fetch }));
    await pooling.compareAndSet(M5, { pooled: 'inactive', weight: 0 }, null);
    expect(seen[0]?.body).toBe(`value=${encodeURIComponent('{"weight": 0, "pooled": "inactive"}').replaceAll('%20', '+')}&prevExist=false`);
    await expect(pooling.compareAndSet(M5, { pooled: 'no', weight: 0 }, '{"weight": 0, "pooled": "inactive"}')).rejects.toMatchObject({ code: 'pooling.backend' });
    expect(seen).toHaveLength(1);
  });

  it('moves on from a member answering 5xx, and reports etcd errors with status and message', async () => {
    const { fetch, seen } = scriptedFetch([
      json(500, { errorCode: 300, message: 'Raft Internal Error', cause: 'etcdserver: request timed out' }),
      json(200, node('{"weight": 10, "pooled": "yes"}', 7)),
      json(403, { errorCode: 110, message: 'The request requires user authentication', cause: 'Insufficient credentials' }),
      json(500, { errorCode: 300, message: 'Raft Internal Error' }),
      json(500, { errorCode: 300, message: 'Raft Internal Error' }),
      new Response('<html>bad gateway</html>', { status: 502 }),
      new Response('<html>bad gateway</html>', { status: 502 }),
      json(200, { action: 'get', node: { key: M5, value: '{"weight": 10, "pooled": "yes"}', modifiedIndex: 'seven', createdIndex: 3 } }),
    ]);
    const pooling = new EtcdPooling(new EtcdV2Client({ endpoints: ['http://a:2379', 'http://b:2379'], timeoutMs: 1000, fetch }));
    expect((await pooling.get(M5))?.revision).toBe('7');
    expect(seen.map((request) => new URL(request.url).host)).toEqual(['a:2379', 'b:2379']);
    // b answered last, so it is asked first now.
    await expect(pooling.get(M5)).rejects.toMatchObject({ code: 'pooling.backend', message: expect.stringContaining('HTTP 403 110 The request requires user authentication') as unknown });
    await expect(pooling.get(M5)).rejects.toMatchObject({ code: 'pooling.backend', message: expect.stringContaining('HTTP 500 300 Raft Internal Error') as unknown });
    await expect(pooling.get(M5)).rejects.toMatchObject({ code: 'pooling.backend', message: expect.stringContaining('HTTP 502 <html>bad gateway</html>') as unknown });
    await expect(pooling.get(M5)).rejects.toMatchObject({ code: 'adapter.bad-output' });
  });

  it('is cancelled by its signal, without trying the other endpoints', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      seen.push(input instanceof Request ? input.url : input.toString());
      return new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    };
    const pooling = new EtcdPooling(new EtcdV2Client({ endpoints: ['http://a:2379', 'http://b:2379'], timeoutMs: 10_000, fetch, signal: controller.signal }));
    setTimeout(() => controller.abort(), 20);
    await expect(pooling.get(M5)).rejects.toMatchObject({ code: 'adapter.cancelled' });
    expect(seen).toHaveLength(1);
  });
});

describe('ConfctlPooling commands (recording runner)', () => {
  function recordingRunner(outputs: Partial<CommandResult>[]): CommandRunner & { specs: CommandSpec[] } {
    const specs: CommandSpec[] = [];
    return {
      specs,
      describe: (spec) => showArgv(spec.argv),
      async run(spec) {
        specs.push(spec);
        return { shown: showArgv(spec.argv), exitCode: 0, stdout: '', stderr: '', durationMs: 1, ...outputs.shift() };
      },
    };
  }
  const GET_M5 = '{"maps1005.eqiad.wmnet": {"weight": 10, "pooled": "yes"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-ssl"}';
  const GET_M5_NO = '{"maps1005.eqiad.wmnet": {"weight": 10, "pooled": "no"}, "tags": "dc=eqiad,cluster=maps,service=kartotherian-ssl"}';
  /** What conftool 3.0.1 prints for this set (confctl-transcripts.md): the object's path, then the field. */
  const SET_M5_NO = 'eqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet: pooled changed yes => no\neqiad/maps/kartotherian-ssl/maps1005.eqiad.wmnet: weight changed 10 => 10\n';
  const IRC = 'WARNING:conftool:Skipped configuration of IRC handler, invalid parameters: host=, port=0\n';

  it('runs argv arrays with the configured program, timeout and environment, and no stdin; reads back after the set', async () => {
    const runner = recordingRunner([{ stdout: GET_M5, stderr: IRC }, { stdout: GET_M5, stderr: IRC }, { stdout: SET_M5_NO, stderr: IRC }, { stdout: GET_M5_NO, stderr: IRC }]);
    const pooling = new ConfctlPooling({ runner, timeoutMs: 1234, confctlPath: '/usr/local/bin/confctl', env: { PATH: '/x' } });
    const entry = await pooling.get(M5);
    const written = await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, entry?.revision ?? null);
    expect(runner.specs).toEqual([
      { argv: ['/usr/local/bin/confctl', '--quiet', 'select', SELECT_M5, 'get'], timeoutMs: 1234, env: { PATH: '/x' } },
      { argv: ['/usr/local/bin/confctl', '--quiet', 'select', SELECT_M5, 'get'], timeoutMs: 1234, env: { PATH: '/x' } },
      { argv: ['/usr/local/bin/confctl', '--quiet', 'select', SELECT_M5, 'set/pooled=no:weight=10'], timeoutMs: 1234, env: { PATH: '/x' } },
      { argv: ['/usr/local/bin/confctl', '--quiet', 'select', SELECT_M5, 'get'], timeoutMs: 1234, env: { PATH: '/x' } },
    ]);
    expect(written).toEqual({ path: M5, fqdn: 'maps1005.eqiad.wmnet', state: { weight: 10, pooled: 'no' }, revision: '{"weight": 10, "pooled": "no"}' });
  });

  it('takes the read-back as the answer, not the printed lines: silence can be success', async () => {
    // pooled set to what it already is prints nothing (Transcript 2); the read-back shows the value.
    const runner = recordingRunner([{ stdout: GET_M5 }, { stdout: '' }, { stdout: GET_M5 }]);
    const pooling = new ConfctlPooling({ runner, timeoutMs: 1000 });
    const written = await pooling.compareAndSet(M5, { pooled: 'yes', weight: 10 }, '{"weight": 10, "pooled": "yes"}');
    expect(written.state).toEqual({ pooled: 'yes', weight: 10 });
    expect(runner.specs.map((spec) => spec.argv[4])).toEqual(['get', 'set/pooled=yes:weight=10', 'get']);
  });

  it('and a printed change can be a failure: a read-back that differs is pooling.verify-failed with both values', async () => {
    const runner = recordingRunner([{ stdout: GET_M5 }, { stdout: SET_M5_NO, stderr: IRC }, { stdout: GET_M5 }]);
    const pooling = new ConfctlPooling({ runner, timeoutMs: 1000 });
    const error = await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, '{"weight": 10, "pooled": "yes"}').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CutoverError);
    expect((error as CutoverError).code).toBe('pooling.verify-failed');
    expect((error as CutoverError).message).toContain(`Set pooled=no weight=10 on ${M5} with confctl, but it reads back pooled=yes weight=10`);
    expect((error as CutoverError).message).toContain('confctl reported pooled yes => no, weight 10 => 10');
    expect((error as CutoverError).message).not.toContain('IRC handler');
  });

  it('a read-back that finds the object gone is pooling.verify-failed too', async () => {
    const runner = recordingRunner([{ stdout: GET_M5 }, { stdout: '' }, { stdout: '' }]);
    const pooling = new ConfctlPooling({ runner, timeoutMs: 1000 });
    await expect(pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, '{"weight": 10, "pooled": "yes"}')).rejects.toMatchObject({
      code: 'pooling.verify-failed',
      message: expect.stringContaining('reads back absent (confctl reported no change)') as unknown,
    });
  });

  it('refuses a set that reports changing an object the selector does not name, before believing anything else', async () => {
    const other = 'eqiad/maps/kartotherian-ssl/maps1006.eqiad.wmnet: pooled changed yes => no\n';
    const runner = recordingRunner([{ stdout: GET_M5 }, { stdout: other }, { stdout: GET_M5_NO }]);
    const pooling = new ConfctlPooling({ runner, timeoutMs: 1000 });
    await expect(pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, '{"weight": 10, "pooled": "yes"}')).rejects.toMatchObject({
      code: 'adapter.bad-output',
      message: expect.stringContaining('reported changing pooled on eqiad/maps/kartotherian-ssl/maps1006.eqiad.wmnet, which the selector does not name') as unknown,
    });
    expect(runner.specs).toHaveLength(2);
  });

  it('leaves the IRC-handler warning out of a failure, so the lines that say what went wrong fit', async () => {
    const runner = recordingRunner([{ exitCode: 1, stderr: `${IRC}ERROR:conftool:Invalid action, reason: The provided data is not valid: invalid literal for int() with base 10: 'abc'\n` }]);
    const pooling = new ConfctlPooling({ runner, timeoutMs: 1000 });
    const error = await pooling.get(M5).catch((caught: unknown) => caught);
    expect((error as CutoverError).message).toBe(`confctl --quiet select '${SELECT_M5}' get exited 1: ERROR:conftool:Invalid action, reason: The provided data is not valid: invalid literal for int() with base 10: 'abc'`);
  });

  it('ignores what it is asked to keep: confctl merges into the stored value itself', async () => {
    const runner = recordingRunner([{ stdout: GET_M5 }, { stdout: SET_M5_NO }, { stdout: GET_M5_NO }]);
    const pooling = new ConfctlPooling({ runner, timeoutMs: 1000 });
    const written = await pooling.compareAndSet(M5, { pooled: 'no', weight: 10 }, '{"weight": 10, "pooled": "yes"}', { reason: 'T1' });
    expect(runner.specs[1]?.argv).toEqual(['confctl', '--quiet', 'select', SELECT_M5, 'set/pooled=no:weight=10']);
    expect(Object.hasOwn(written, 'extra')).toBe(false);
  });

  it('describes the write as it would run over ssh on a cumin host, quoted for the remote shell', () => {
    const runner = createCommandRunner({ kind: 'ssh', host: 'cumin1002.eqiad.wmnet', ssh_options: ['-o', 'BatchMode=yes'] });
    const pooling = new ConfctlPooling({ runner, timeoutMs: 1000 });
    expect(pooling.describeWrite(M5, { pooled: 'no', weight: 10 }, null)).toBe(
      `ssh -o BatchMode=yes cumin1002.eqiad.wmnet -- 'confctl --quiet select '\\''${SELECT_M5}'\\'' set/pooled=no:weight=10'`,
    );
  });
});
