import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { arg } from '../../commands/arg.js';
import { hostArg, lvsServiceArg, reasonArg, taskArg, weightArg } from '../../commands/args.js';
import { bindArguments } from '../../commands/bind.js';
import { deriveArgs } from '../../commands/derive-args.js';
import { buildRegistry } from '../../commands/registry.js';
import { defineCommand, type CommandContext } from '../../commands/spec.js';
import { tokenize } from '../../commands/tokenize.js';
import { CutoverError } from '../../core/errors.js';

/** Declared as `pool` is: one line per argument, in the order its usage reads. */
const poolArgs = {
  host: arg.word(hostArg),
  service: arg.flag(lvsServiceArg.optional(), 'LVS'),
  weight: arg.flag(weightArg.optional(), 'N'),
  task: arg.flag(taskArg.optional(), 'T123456'),
  reason: arg.rest(reasonArg.optional(), { alsoFlag: true }),
  dryRun: arg.switch(),
};

const seen: unknown[] = [];
const tryPool = defineCommand({
  name: 'try-pool',
  summary: 'a command declared like pool',
  args: poolArgs,
  access: 'request',
  scope: 'service',
  mutates: false,
  run: async (args) => {
    seen.push(args);
    return 'ok';
  },
});
// The command never reads its context; only its arguments are under test.
const noContext = {} as CommandContext;
const run = async (line: string) => tryPool.execute(bindArguments(tryPool, tokenize(line)), noContext);

async function refused(line: string, message: string): Promise<void> {
  const error: unknown = await run(line).then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(CutoverError);
  expect(error).toMatchObject({ code: 'input.invalid', message });
}

describe('deriveArgs', () => {
  const derived = deriveArgs('pool', poolArgs);

  it('derives the usage line: words in place, flags bracketed, the rest last, the --reason alias unlisted', () => {
    expect(derived.usage).toBe('pool HOST [--service LVS] [--weight N] [--task T123456] [--dry-run] [reason…]');
  });

  it("derives the binder's table: positionals in order, flags in declaration order as typed", () => {
    expect(derived.positionals).toEqual([{ name: 'host' }, { name: 'reason', rest: true }]);
    expect(derived.flags).toEqual({ service: 'string', weight: 'string', task: 'string', reason: 'string', 'dry-run': 'boolean' });
    expect(Object.keys(derived.flags)).toEqual(['service', 'weight', 'task', 'reason', 'dry-run']);
  });

  it('derives a strict zod object of the declared schemas, keyed as run reads them', () => {
    expect(derived.schema.parse({ host: 'wikikube1001', weight: '10', dryRun: true })).toEqual({ host: 'wikikube1001', weight: 10, dryRun: true });
    expect(derived.schema.safeParse({ host: 'wikikube1001', force: true }).success).toBe(false);
    expect(derived.schema.safeParse({}).success).toBe(false);
  });

  it('brackets exactly what its schema lets be left out', () => {
    const { usage } = deriveArgs('x', { id: arg.word(z.string().optional()), dc: arg.flag(z.string()), words: arg.rest(z.string()) });
    expect(usage).toBe('x [ID] --dc DC words…');
  });

  it('leaves a rest out of usage where another label already says it, and takes nothing', () => {
    const derivedSimulate = deriveArgs('simulate', { what: arg.word(z.enum(['show', 'slow']), 'show|slow SHARE'), rest: arg.rest(z.string().optional(), { inUsage: false }) });
    expect(derivedSimulate.usage).toBe('simulate show|slow SHARE');
    expect(derivedSimulate.positionals).toEqual([{ name: 'what' }, { name: 'rest', rest: true }]);
    expect(derivedSimulate.flags).toEqual({});
  });

  it('refuses at start-up a declaration the binder could not honour', () => {
    expect(() => deriveArgs('x', { reason: arg.rest(z.string()), host: arg.word(z.string()) })).toThrow(/"host" comes after a rest argument/);
    expect(() => deriveArgs('x', { a: arg.rest(z.string()), b: arg.rest(z.string()) })).toThrow(/"b" comes after a rest argument/);
    expect(() => deriveArgs('x', { 'dry-run': arg.switch() })).toThrow(/typed --dry-run and bound as dryRun/);
  });

  it("gives every shipped command today's usage, word for word", () => {
    expect([...buildRegistry().values()].map((spec) => spec.usage)).toEqual([
      'status [--dc DC] [--service LVS] [--full]',
      'pool HOST [--service LVS] [--weight N] [--task T123456] [--dry-run] [--override-freeze WHY] [reason…]',
      'depool HOST [--service LVS] [--task T123456] [--dry-run] [--override-freeze WHY] [reason…]',
      'approve [ID] [--expect HASH]',
      'deny [ID] [reason…]',
      'withdraw [ID]',
      'jobs [--limit N]',
      'history [--who NAME] [--event PREFIX] [--request ID] [--limit N] [--json]',
      'plan',
      'next [--task T123456] [--dry-run] [--override-freeze WHY] [reason…]',
      'rollout [--task T123456] [--dry-run] [--override-freeze WHY] [reason…]',
      'pause [reason…]',
      'resume',
      'abort [reason…]',
      'rollback [--dry-run] [--override-freeze WHY] [reason…]',
      'emergency-stop [--dry-run] [reason…]',
      'diff ID [--from LINE]',
      'simulate show|clear|broken HOST…|wrong-cert HOST…|slow SHARE P99_SECONDS|no-metrics on|off|hang ADAPTER|outside-repool HOST [--service LVS]',
      'help [COMMAND]',
    ]);
  });
});

describe('a command declared with arg', () => {
  const usage = 'try-pool HOST [--service LVS] [--weight N] [--task T123456] [--dry-run] [reason…]';

  it('runs with the values parsed, words and flags in any order', async () => {
    seen.length = 0;
    expect(await run('maps1005 planned --weight=5 --dry-run work')).toEqual({ kind: 'ok', text: 'ok' });
    expect(await run('--reason "disk failing" maps1005')).toEqual({ kind: 'ok', text: 'ok' });
    expect(seen).toEqual([
      { host: 'maps1005', weight: 5, dryRun: true, reason: 'planned work' },
      { host: 'maps1005', reason: 'disk failing' },
    ]);
  });

  it('refuses a flag typed twice', async () => {
    await refused('maps1005 --service a --service=b', '--service given twice.');
    await refused('maps1005 --reason x more words', `reason given twice (as --reason and as words) · usage: ${usage}`);
  });

  it('refuses an unknown flag, listing the known ones and the usage', async () => {
    await refused('maps1005 --force', `try-pool has no option “--force” (options: --service, --weight, --task, --reason, --dry-run) · usage: ${usage}`);
  });

  it('refuses a flag without its value, and a value on a switch', async () => {
    await refused('maps1005 --task', `--task needs a value · usage: ${usage}`);
    await refused('maps1005 --dry-run=yes', '--dry-run takes no value.');
  });

  it('refuses a bad value and a missing word by their names as typed, with the usage', async () => {
    await refused('maps1005 --weight 0 --task T1;x', `--weight: a weight from 1 to 100; --task: a Phabricator task like T378944 · usage: ${usage}`);
    await refused('', `host: a host is required, e.g. wikikube1001 · usage: ${usage}`);
  });
});
