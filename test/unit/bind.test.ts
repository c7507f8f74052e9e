import { describe, expect, it } from 'vitest';
import { bindArguments } from '../../commands/bind.js';
import { denyCommand } from '../../commands/specs/deny.js';
import { jobsCommand } from '../../commands/specs/jobs.js';
import { poolCommand } from '../../commands/specs/pool.js';
import { statusCommand } from '../../commands/specs/status.js';
import { tokenize } from '../../commands/tokenize.js';
import { cutoverErrorFrom } from '../helpers/fakes.js';

const bindPool = (line: string) => bindArguments(poolCommand, tokenize(line));

describe('bindArguments', () => {
  it('binds the host positional and nothing else when that is all there is', () => {
    expect(bindPool('wikikube1001')).toEqual({ host: 'wikikube1001' });
  });

  it('binds no positionals at all for an empty line', () => {
    expect(bindPool('')).toEqual({});
  });

  it('gives the rest positional every remaining word, joined by spaces', () => {
    expect(bindPool('maps1005 disk failing on sdb')).toEqual({ host: 'maps1005', reason: 'disk failing on sdb' });
    expect(bindPool('maps1005 "disk  failing" again')).toEqual({ host: 'maps1005', reason: 'disk  failing again' });
  });

  it('takes flags anywhere, with the value in the next word', () => {
    expect(bindPool('--service kartotherian-ssl maps1005 planned --task T378944 work')).toEqual({
      host: 'maps1005',
      service: 'kartotherian-ssl',
      task: 'T378944',
      reason: 'planned work',
    });
  });

  it('takes --flag=value', () => {
    expect(bindPool('maps1005 --service=kartotherian-ssl --weight=5')).toEqual({ host: 'maps1005', service: 'kartotherian-ssl', weight: '5' });
  });

  it('keeps everything after the first = in --flag=value', () => {
    expect(bindPool('maps1005 --service=a=b')).toMatchObject({ service: 'a=b' });
  });

  it('binds a boolean flag to true and camel-cases its name', () => {
    expect(bindPool('wikikube1001 --dry-run')).toEqual({ host: 'wikikube1001', dryRun: true });
  });

  it('refuses a value for a boolean flag', () => {
    const error = cutoverErrorFrom(() => bindPool('wikikube1001 --dry-run=no'));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toBe('--dry-run takes no value.');
  });

  it('refuses an unknown flag, listing the known ones and the usage', () => {
    const error = cutoverErrorFrom(() => bindPool('wikikube1001 --force'));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toBe(
      `pool has no option “--force” (options: --service, --weight, --task, --reason, --dry-run, --override-freeze) · usage: ${poolCommand.usage}`,
    );
  });

  it('refuses an unknown flag on a command that has none, without an empty list', () => {
    const error = cutoverErrorFrom(() => bindArguments(denyCommand, ['k7qm', '--force']));
    expect(error.message).toBe(`deny has no option “--force” · usage: ${denyCommand.usage}`);
  });

  it('cuts an unknown flag name short and strips what it cannot print', () => {
    const error = cutoverErrorFrom(() => bindArguments(poolCommand, ['maps1005', `--<!channel>${'x'.repeat(100)}`]));
    expect(error.message).not.toContain('<!channel>');
    expect(error.message).not.toContain('x'.repeat(31));
  });

  it('refuses a flag given twice, in either spelling', () => {
    expect(cutoverErrorFrom(() => bindPool('maps1005 --service kartotherian --service kartotherian-ssl')).message).toBe('--service given twice.');
    expect(cutoverErrorFrom(() => bindPool('maps1005 --service kartotherian --service=kartotherian')).message).toBe('--service given twice.');
    expect(cutoverErrorFrom(() => bindPool('maps1005 --dry-run --dry-run')).message).toBe('--dry-run given twice.');
  });

  it('refuses a flag without a value, at the end of the line or before another flag', () => {
    const atEnd = cutoverErrorFrom(() => bindPool('maps1005 --service'));
    expect(atEnd.code).toBe('input.invalid');
    expect(atEnd.message).toBe(`--service needs a value · usage: ${poolCommand.usage}`);
    expect(cutoverErrorFrom(() => bindPool('maps1005 --service --dry-run')).message).toMatch(/^--service needs a value/);
  });

  it('takes an explicitly empty value, leaving it to the schema to refuse', () => {
    expect(bindPool('maps1005 --service=')).toMatchObject({ service: '' });
  });

  it('refuses extra positionals on a command without a rest positional', () => {
    const error = cutoverErrorFrom(() => bindArguments(statusCommand, ['eqiad', 'now']));
    expect(error.code).toBe('input.invalid');
    expect(error.message).toBe(`Unexpected “eqiad now” · usage: ${statusCommand.usage}`);
  });

  it('refuses extra positionals with the echo cut short and stripped', () => {
    const error = cutoverErrorFrom(() => bindArguments(jobsCommand, ['<!channel>', 'y'.repeat(200)]));
    expect(error.message).not.toContain('<!channel>');
    expect(error.message.length).toBeLessThan(120);
  });

  it('drops a lone --, which is not part of a reason, and still takes the options after it (issue 14)', () => {
    expect(bindPool('maps1005 -- --dry-run')).toEqual({ host: 'maps1005', dryRun: true });
    expect(bindPool('maps1005 -- reason T378944')).toEqual({ host: 'maps1005', reason: 'reason T378944' });
  });

  // Regression: flags were looked up with `spec.flags[rawName]` and `key in bound`, so
  // Object.prototype names (--constructor, --toString) were taken as known flags and then
  // reported as "given twice" instead of as unknown options.
  it('refuses --constructor as an unknown option, not as a flag given twice', () => {
    const error = cutoverErrorFrom(() => bindPool('maps1005 --constructor'));
    expect(error.message).toMatch(/^pool has no option “--constructor”/);
  });

  // Regression: pool and depool have both a `reason` rest positional and a --reason flag. When
  // both were used, the positional silently overwrote the flag, so the reason typed after
  // --reason never reached the request or the audit log.
  it('refuses a reason given both as --reason and as trailing words, instead of dropping one', () => {
    const error = cutoverErrorFrom(() => bindPool('wikikube1001 --reason "planned work" extra'));
    expect(error.code).toBe('input.invalid');
  });
});
