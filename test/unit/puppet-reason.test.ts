import { describe, expect, it } from 'vitest';
import { formatReason, quoteForTargetShell, validateReason } from '../../adapters/puppet/reason.js';
import { shellWords } from '../helpers/fake-bin.js';

describe('formatReason', () => {
  it('builds spicerack\'s "<reason> - <user>@<host> - T123"', () => {
    expect(formatReason({ reason: 'pool the first k8s workers', user: 'alice', host: 'cumin1002', task: 'T378944' })).toBe('pool the first k8s workers - alice@cumin1002 - T378944');
    expect(formatReason({ reason: '  nginx listen 6543 ', user: 'bob', host: 'cutover' })).toBe('nginx listen 6543 - bob@cutover');
  });

  it.each([
    ['a user with shell syntax', { reason: 'x y z', user: 'al;ice', host: 'cumin1002' }],
    ['a host with a space', { reason: 'x y z', user: 'alice', host: 'cumin 1002' }],
    ['a task that is not a T-number', { reason: 'x y z', user: 'alice', host: 'cumin1002', task: '378944' }],
    ['a reason with a newline', { reason: 'x\ny', user: 'alice', host: 'cumin1002' }],
    ['a reason with a bidi override', { reason: 'x\u202ey', user: 'alice', host: 'cumin1002' }],
    ['a reason that reads as --force', { reason: '--force', user: 'alice', host: 'cumin1002' }],
    ['a reason that is too long', { reason: 'x'.repeat(300), user: 'alice', host: 'cumin1002' }],
  ])('refuses %s', (_label, parts) => {
    expect(() => formatReason(parts)).toThrow(/reason|user name/);
  });
});

describe('validateReason', () => {
  it('keeps quotes and shell metacharacters: they are quoted, not forbidden', () => {
    expect(validateReason(`it's "fine" $(x) ; | & - alice@cumin1002`, 200)).toBe(`it's "fine" $(x) ; | & - alice@cumin1002`);
  });
});

describe('quoteForTargetShell', () => {
  it.each([`plain`, `it's`, `'; rm -rf / #`, `$(touch /tmp/pwned) \`id\``, `a\\b "c"`, `''`, `   `])('%s reaches the target shell as one literal word', (word) => {
    expect(shellWords(`disable-puppet ${quoteForTargetShell(word)}`)).toEqual(['disable-puppet', word]);
  });
});
