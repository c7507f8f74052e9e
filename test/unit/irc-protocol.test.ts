import { describe, expect, it } from 'vitest';
import { AccountTracker } from '../../bot/irc/account-tracker.js';
import { casemappingOf, ircLower, type Casemapping } from '../../bot/irc/casefold.js';
import { EchoTracker } from '../../bot/irc/echo-tracker.js';
import { formatLine } from '../../bot/irc/format-line.js';
import { identifyIrcSender } from '../../bot/irc/identify.js';
import { ReconnectSupervisor } from '../../bot/irc/reconnect-supervisor.js';
import type { IrcLogLevel } from '../../bot/irc/irc-log.js';
import { loadShippedConfig } from '../helpers/config.js';
import { FakeClock } from '../helpers/irc-fake-clock.js';

describe('formatLine', () => {
  it('always marks the trailing parameter, so leading colons and spaces survive', () => {
    expect(formatLine('#ops', { command: 'PRIVMSG', text: ':) ok then' }, true)).toBe('PRIVMSG #ops ::) ok then');
  });

  it('adds +draft/reply only where client tags are enabled, escaping values', () => {
    expect(formatLine('#ops', { command: 'PRIVMSG', text: 'hi', replyTo: 'a b;c' }, true)).toBe('@+draft/reply=a\\sb\\:c PRIVMSG #ops :hi');
    expect(formatLine('#ops', { command: 'PRIVMSG', text: 'hi', replyTo: 'abc' }, false)).toBe('PRIVMSG #ops :hi');
    expect(formatLine('#ops', { command: 'TAGMSG', tags: { '+draft/react': '👍', '+draft/reply': 'm1' } }, true)).toBe('@+draft/react=👍;+draft/reply=m1 TAGMSG #ops');
  });
});

describe('ircLower, by the casemapping the server announced', () => {
  it('rfc1459 (the default) folds letters and []\\^ to {}|~', () => {
    expect(ircLower('#Ops[1]\\^')).toBe('#ops{1}|~');
    expect(ircLower('#Ops[1]\\^', 'rfc1459')).toBe('#ops{1}|~');
  });

  it('strict-rfc1459 leaves ^ and ~ apart; ascii folds letters only', () => {
    expect(ircLower('Bob[M]^', 'strict-rfc1459')).toBe('bob{m}^');
    expect(ircLower('Bob[M]^', 'ascii')).toBe('bob[m]^');
  });

  it('reads ISUPPORT CASEMAPPING: absent is rfc1459, anything unknown folds as little as ascii', () => {
    expect(casemappingOf(undefined)).toBe('rfc1459');
    expect(casemappingOf('ascii')).toBe('ascii');
    expect(casemappingOf('STRICT-RFC1459')).toBe('strict-rfc1459');
    expect(casemappingOf('rfc7613')).toBe('ascii');
  });
});

describe('EchoTracker', () => {
  it('answers the first line of each message with its msgid, first in first out, per target', () => {
    const clock = new FakeClock();
    const echoes = new EchoTracker(clock, 5000);
    const got: Array<string | undefined> = [];
    echoes.expect('#ops', 'one', (id) => got.push(`one=${id}`));
    echoes.expect('#ops', 'two');
    echoes.expect('#other', 'one', (id) => got.push(`other=${id}`));
    echoes.echoed('#OPS', 'one', 'm1');
    echoes.echoed('#other', 'one', 'm2');
    echoes.echoed('#ops', 'two', 'm3');
    expect(got).toEqual(['one=m1', 'other=m2']);
  });

  it('skips lines the server never echoed instead of shifting every later match', () => {
    const clock = new FakeClock();
    const echoes = new EchoTracker(clock, 5000);
    const got: string[] = [];
    echoes.expect('#ops', 'refused', (id) => got.push(`refused=${String(id)}`));
    echoes.expect('#ops', 'accepted', (id) => got.push(`accepted=${String(id)}`));
    echoes.echoed('#ops', 'accepted', 'm9');
    echoes.echoed('#ops', 'someone else entirely', 'mx');
    expect(got).toEqual(['refused=undefined', 'accepted=m9']);
  });

  it('gives up after the timeout, and a late echo still takes its own place', () => {
    const clock = new FakeClock();
    const echoes = new EchoTracker(clock, 5000);
    const got: string[] = [];
    echoes.expect('#ops', 'slow', (id) => got.push(`slow=${String(id)}`));
    echoes.expect('#ops', 'next', (id) => got.push(`next=${String(id)}`));
    clock.advance(5000);
    expect(got).toEqual(['slow=undefined', 'next=undefined']);
    echoes.expect('#ops', 'third', (id) => got.push(`third=${String(id)}`));
    echoes.echoed('#ops', 'slow', 'late');
    echoes.echoed('#ops', 'next', 'late2');
    echoes.echoed('#ops', 'third', 'm3');
    expect(got.at(-1)).toBe('third=m3');
  });

  it('answers everything with undefined when the connection is reset', () => {
    const echoes = new EchoTracker(new FakeClock(), 5000);
    const got: string[] = [];
    echoes.expect('#ops', 'x', (id) => got.push(String(id)));
    echoes.reset();
    echoes.echoed('#ops', 'x', 'm1');
    expect(got).toEqual(['undefined']);
  });
});

describe('ReconnectSupervisor', () => {
  function supervisor(random = 0): { clock: FakeClock; attempts: number[]; logs: Array<[IrcLogLevel, string]>; sup: ReconnectSupervisor } {
    const clock = new FakeClock();
    const attempts: number[] = [];
    const logs: Array<[IrcLogLevel, string]> = [];
    const sup = new ReconnectSupervisor({
      minMs: 2000,
      maxMs: 60_000,
      timers: clock,
      random: () => random,
      stableMs: 30_000,
      log: (level, message) => logs.push([level, message]),
      connect: () => attempts.push(clock.now()),
    });
    return { clock, attempts, logs, sup };
  }

  /** Milliseconds from each lost() to the attempt it scheduled. */
  function gapsAfter(clock: FakeClock, attempts: number[], sup: ReconnectSupervisor, losses: number, before?: () => void): number[] {
    const gaps: number[] = [];
    for (let i = 0; i < losses; i += 1) {
      before?.();
      const lostAt = clock.now();
      const seen = attempts.length;
      sup.lost('refused');
      clock.advance(120_000);
      expect(attempts.length).toBe(seen + 1);
      gaps.push((attempts.at(-1) ?? 0) - lostAt);
    }
    return gaps;
  }

  it('retries within a second, then backs off exponentially up to 30 s whatever the config says, forever, and logs every failure', () => {
    const { clock, attempts, logs, sup } = supervisor();
    sup.start();
    expect(attempts.length).toBe(1);
    expect(gapsAfter(clock, attempts, sup, 12)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000, 30_000]);
    expect(logs.length).toBe(12);
    expect(logs[0]).toEqual(['warn', 'IRC connection lost (refused); reconnecting in 1.0 s']);
    expect(logs.slice(3).every(([level]) => level === 'error')).toBe(true);
  });

  it('starts over after a connection that stayed up, but not after one killed right after registering', () => {
    const { clock, attempts, sup } = supervisor();
    sup.start();
    // Killed one second after registering, three times: still backing off.
    expect(gapsAfter(clock, attempts, sup, 3, () => {
      sup.registered();
      clock.advance(1000);
    })).toEqual([1000, 2000, 4000]);
    // Up for 30 s: the next loss is a fresh start.
    expect(gapsAfter(clock, attempts, sup, 1, () => {
      sup.registered();
      clock.advance(30_000);
    })).toEqual([1000]);
  });

  it('spreads attempts with jitter, and stop() cancels the pending one', () => {
    const { clock, attempts, sup } = supervisor(0.5);
    expect(sup.delayFor(1)).toBe(875);
    expect(sup.delayFor(20)).toBe(26_250);
    sup.start();
    sup.lost('x');
    sup.stop();
    clock.advance(120_000);
    expect(attempts.length).toBe(1);
  });
});

describe('identifyIrcSender', () => {
  it('trusts the services account, never a bare nick, unless the network is marked trust_nicks', async () => {
    const config = await loadShippedConfig();
    expect(identifyIrcSender(config, false, { nick: 'mallory', account: 'bob' })).toBe('bob');
    expect(identifyIrcSender(config, false, { nick: 'bob', account: null })).toBeUndefined();
    expect(identifyIrcSender(config, false, { nick: 'bob', account: undefined })).toBeUndefined();
    expect(identifyIrcSender(config, false, { nick: 'bob', account: 'mallory' })).toBeUndefined();
    expect(identifyIrcSender(config, true, { nick: 'Bob', account: undefined })).toBe('bob');
    // An account, when there is one, wins over the nick even on a trusting network.
    expect(identifyIrcSender(config, true, { nick: 'bob', account: 'carol' })).toBe('carol');
  });
});

describe('AccountTracker', () => {
  it('folds by the announced casemapping: under ascii a stranger bob{m} is not bob[m]', () => {
    let mapping: Casemapping = 'ascii';
    const accounts = new AccountTracker(() => mapping);
    accounts.set('bob[m]', 'bob', '#ops');
    expect(accounts.get('bob{m}')).toBeUndefined();
    expect(accounts.get('BOB[M]')).toBe('bob');
    // Learnt under one mapping, never looked up under another.
    mapping = 'rfc1459';
    expect(accounts.get('bob[m]')).toBeUndefined();
    accounts.set('bob[m]', 'bob', '#ops');
    expect(accounts.get('bob{m}')).toBe('bob');
  });

  it('forgets a nick as soon as the bot shares no channel with it', () => {
    const accounts = new AccountTracker();
    accounts.set('bob', 'bob', '#ops');
    accounts.joined('bob', '#sre');
    accounts.left('bob', '#ops');
    expect(accounts.get('bob')).toBe('bob');
    accounts.left('bob', '#sre');
    expect(accounts.get('bob')).toBeUndefined();
    // The bot leaves (part, kick): everyone known only from that channel, or from nowhere known, goes.
    accounts.set('alice', 'alice', '#ops');
    accounts.set('carol', 'carol', '#ops');
    accounts.joined('carol', '#sre');
    accounts.set('dave', 'dave');
    accounts.selfLeft('#ops');
    expect([accounts.get('alice'), accounts.get('carol'), accounts.get('dave')]).toEqual([undefined, 'carol', undefined]);
  });

  it('follows joins, account changes, nick changes and quits, case-insensitively', () => {
    const accounts = new AccountTracker();
    accounts.set('Bob', 'bob');
    expect(accounts.get('BOB')).toBe('bob');
    accounts.rename('bob', 'bob_away');
    expect(accounts.get('bob')).toBeUndefined();
    expect(accounts.get('bob_away')).toBe('bob');
    accounts.set('bob_away', '*');
    expect(accounts.get('bob_away')).toBeNull();
    accounts.forget('bob_away');
    expect(accounts.get('bob_away')).toBeUndefined();
  });
});
