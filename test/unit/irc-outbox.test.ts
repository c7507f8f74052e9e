import { describe, expect, it } from 'vitest';
import { Outbox, type DiscardReason, type OutboxMessage } from '../../bot/irc/outbox.js';
import { TokenBucket } from '../../bot/irc/token-bucket.js';
import type { IrcLine } from '../../bot/irc/format-line.js';
import { markMessage } from '../../bot/irc/mark.js';
import type { Urgency } from '../../bot/transport.js';
import { urgencyRank } from '../../bot/urgency.js';
import { FakeClock } from '../helpers/irc-fake-clock.js';

interface Harness {
  clock: FakeClock;
  outbox: Outbox<string>;
  /** [ms since start, target, line] for every line written. */
  written: Array<[number, string, string]>;
  discarded: Array<[string, number, DiscardReason]>;
  online: { value: boolean };
  enqueue(target: string, lines: string[], extra?: Partial<OutboxMessage<string>>): void;
  texts(): string[];
}

function harness(options: { burst?: number; perSecond?: number; max?: number; canSend?: (target: string) => boolean } = {}): Harness {
  const clock = new FakeClock();
  const start = clock.now();
  const written: Harness['written'] = [];
  const discarded: Harness['discarded'] = [];
  const online = { value: true };
  const bucket = new TokenBucket({ burst: options.burst ?? 4, perSecond: options.perSecond ?? 1, timers: clock });
  const outbox = new Outbox<string>({
    bucket,
    timers: clock,
    maxQueuedLines: options.max ?? 500,
    canSend: (target) => online.value && (options.canSend?.(target) ?? true),
    write: (target, line) => {
      written.push([clock.now() - start, target, line]);
      return true;
    },
    onDiscard: (target, lines, reason) => discarded.push([target, lines, reason]),
  });
  return {
    clock,
    outbox,
    written,
    discarded,
    online,
    enqueue: (target, lines, extra = {}) => outbox.enqueue({ target, lines, rank: 2, keep: true, ...extra }),
    texts: () => written.map(([, , line]) => line),
  };
}

describe('TokenBucket', () => {
  it('gives a burst, then one token per 1/rate seconds, and never more than the burst', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ burst: 4, perSecond: 1, timers: clock });
    expect([1, 2, 3, 4, 5].map(() => bucket.tryTake())).toEqual([true, true, true, true, false]);
    expect(bucket.msUntilToken()).toBe(1000);
    clock.advance(999);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(1);
    expect(bucket.tryTake()).toBe(true);
    clock.advance(3_600_000);
    expect([1, 2, 3, 4, 5].map(() => bucket.tryTake())).toEqual([true, true, true, true, false]);
  });

  it('charges lines written around it, with the debt capped at one burst', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket({ burst: 4, perSecond: 2, timers: clock });
    bucket.charge(3);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    bucket.charge(100);
    // -4 tokens at 2/s: 2.5 s until a whole one.
    expect(bucket.msUntilToken()).toBe(2500);
  });

  it('refuses a nonsensical budget', () => {
    expect(() => new TokenBucket({ burst: 0, perSecond: 1, timers: new FakeClock() })).toThrow(RangeError);
    expect(() => new TokenBucket({ burst: 4, perSecond: 0, timers: new FakeClock() })).toThrow(RangeError);
  });
});

describe('Outbox', () => {
  it('sends a burst of 4 at once, then one line per second', () => {
    const h = harness();
    h.enqueue('#ops', Array.from({ length: 10 }, (_, i) => `line ${i}`));
    expect(h.written.map(([at]) => at)).toEqual([0, 0, 0, 0]);
    h.clock.advance(10_000);
    expect(h.written.map(([at]) => at)).toEqual([0, 0, 0, 0, 1000, 2000, 3000, 4000, 5000, 6000]);
    expect(h.texts()).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i}`));
    expect(h.outbox.size()).toBe(0);
    expect(h.clock.timers).toBe(0);
  });

  it('honours a configured burst and rate', () => {
    const h = harness({ burst: 2, perSecond: 4 });
    h.enqueue('#ops', ['a', 'b', 'c', 'd', 'e']);
    h.clock.advance(1000);
    expect(h.written.map(([at]) => at)).toEqual([0, 0, 250, 500, 750]);
  });

  it('shares one budget between targets, taking turns so no channel starves', () => {
    const h = harness({ burst: 1 });
    h.enqueue('#a', ['a1', 'a2', 'a3']);
    h.enqueue('#b', ['b1', 'b2']);
    h.clock.advance(10_000);
    expect(h.texts()).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
    expect(h.written.map(([at]) => at)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('holds everything while offline and sends it, urgent first and in order within an urgency, once pumped again', () => {
    const h = harness();
    h.online.value = false;
    h.enqueue('#ops', ['r1', 'r2']);
    h.enqueue('#ops', ['p1'], { rank: 3, keep: false, coalesceKey: 'req1' });
    h.enqueue('#ops', ['r3', 'r4', 'r5']);
    h.clock.advance(60_000);
    expect(h.written).toEqual([]);
    h.online.value = true;
    h.outbox.pump();
    h.clock.advance(2000);
    expect(h.texts()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'p1']);
  });

  it('keeps a line first in line when the write fails (the socket went away)', () => {
    const clock = new FakeClock();
    const written: string[] = [];
    let up = false;
    const outbox = new Outbox<string>({
      bucket: new TokenBucket({ burst: 4, perSecond: 1, timers: clock }),
      timers: clock,
      maxQueuedLines: 10,
      canSend: () => true,
      write: (_target, line) => {
        if (!up) return false;
        written.push(line);
        return true;
      },
    });
    outbox.enqueue({ target: '#ops', lines: ['one', 'two'], rank: 2, keep: true });
    expect(written).toEqual([]);
    up = true;
    outbox.pump();
    expect(written).toEqual(['one', 'two']);
  });

  it('waits for a channel that is not joined yet without holding up the others', () => {
    const joined = new Set(['#b']);
    const h = harness({ canSend: (target) => joined.has(target) });
    h.enqueue('#a', ['a1']);
    h.enqueue('#b', ['b1']);
    expect(h.texts()).toEqual(['b1']);
    joined.add('#a');
    h.outbox.pump();
    expect(h.texts()).toEqual(['b1', 'a1']);
  });

  it('coalesces progress: a newer message for the same request replaces its unsent older ones', () => {
    const h = harness({ burst: 1 });
    h.enqueue('#ops', ['result of something else']);
    for (let stage = 1; stage <= 20; stage += 1) h.enqueue('#ops', [`req1 stage ${stage}`], { rank: 3, keep: false, coalesceKey: 'req1' });
    for (let stage = 1; stage <= 20; stage += 1) h.enqueue('#ops', [`req2 stage ${stage}`], { rank: 3, keep: false, coalesceKey: 'req2' });
    h.clock.advance(10_000);
    expect(h.texts()).toEqual(['result of something else', 'req1 stage 20', 'req2 stage 20']);
    expect(h.discarded.filter(([, , reason]) => reason === 'coalesced').reduce((sum, [, lines]) => sum + lines, 0)).toBe(38);
  });

  it('never coalesces results, errors or replies, nor progress without a request', () => {
    const h = harness({ burst: 10 });
    h.online.value = false;
    h.enqueue('#ops', ['done 1']);
    h.enqueue('#ops', ['done 1']);
    h.enqueue('#ops', ['note'], { rank: 3, keep: false });
    h.enqueue('#ops', ['note'], { rank: 3, keep: false });
    h.online.value = true;
    h.outbox.pump();
    expect(h.texts()).toEqual(['done 1', 'done 1', 'note', 'note']);
  });

  it('replaces all unsent lines of an older multi-line progress message, even after its first line went out', () => {
    const h = harness({ burst: 1 });
    h.enqueue('#ops', ['old a', 'old b', 'old c'], { rank: 3, keep: false, coalesceKey: 'req1' });
    h.enqueue('#ops', ['new a', 'new b'], { rank: 3, keep: false, coalesceKey: 'req1' });
    h.clock.advance(5000);
    expect(h.texts()).toEqual(['old a', 'new a', 'new b']);
  });

  it('when full, drops the oldest progress first and keeps every result', () => {
    const h = harness({ max: 10 });
    h.online.value = false;
    for (let i = 1; i <= 6; i += 1) h.enqueue('#ops', [`progress ${i}`], { rank: 3, keep: false, coalesceKey: `req${i}` });
    for (let i = 1; i <= 6; i += 1) h.enqueue('#ops', [`result ${i}`]);
    expect(h.outbox.size('#ops')).toBe(10);
    expect(h.discarded).toEqual([
      ['#ops', 1, 'full'],
      ['#ops', 1, 'full'],
    ]);
    h.online.value = true;
    h.outbox.pump();
    h.clock.advance(60_000);
    expect(h.texts()).toEqual(['result 1', 'result 2', 'result 3', 'result 4', 'result 5', 'result 6', 'progress 3', 'progress 4', 'progress 5', 'progress 6']);
  });

  it('never drops kept lines to make room: they may exceed the cap, up to four times it', () => {
    const h = harness({ max: 3 });
    h.online.value = false;
    for (let i = 1; i <= 14; i += 1) h.enqueue('#ops', [`result ${i}`]);
    expect(h.outbox.size('#ops')).toBe(12);
    h.online.value = true;
    h.outbox.pump();
    h.clock.advance(60_000);
    expect(h.texts()).toEqual(Array.from({ length: 12 }, (_, i) => `result ${i + 3}`));
  });

  it('sends by urgency: a safety alert and an approval request overtake ten queued answers', () => {
    const h = harness({ burst: 1 });
    for (let i = 1; i <= 10; i += 1) h.enqueue('#ops', [`answer ${i} a`, `answer ${i} b`], { rank: 4, keep: false });
    h.clock.advance(2500);
    h.enqueue('#ops', ['⏳ request'], { rank: 1, keep: true });
    h.enqueue('#ops', ['🚨 rollback'], { rank: 0, keep: true });
    h.enqueue('#ops', ['help'], { rank: 5, keep: false });
    h.clock.advance(1000);
    // answer 2 a had just gone out: the next two seconds are the alert's and the request's.
    expect(h.texts()).toEqual(['answer 1 a', 'answer 1 b', 'answer 2 a', '🚨 rollback']);
    h.clock.advance(60_000);
    expect(h.texts().slice(4, 6)).toEqual(['⏳ request', 'answer 2 b']);
    expect(h.texts().at(-1)).toBe('help');
  });

  it('when full, drops the least urgent first (help, then answers), oldest first, and never a request, result or !log line', () => {
    const h = harness({ max: 6 });
    h.online.value = false;
    h.enqueue('#ops', ['!log depooled maps1005'], { rank: 4, keep: true });
    h.enqueue('#ops', ['help 1'], { rank: 5, keep: false });
    h.enqueue('#ops', ['answer 1'], { rank: 4, keep: false });
    h.enqueue('#ops', ['⏳ request'], { rank: 1, keep: true });
    h.enqueue('#ops', ['answer 2'], { rank: 4, keep: false });
    h.enqueue('#ops', ['help 2'], { rank: 5, keep: false });
    for (let i = 3; i <= 12; i += 1) h.enqueue('#ops', [`answer ${i}`], { rank: 4, keep: false });
    h.enqueue('#ops', ['✅ result'], { rank: 2, keep: true });
    h.online.value = true;
    h.outbox.pump();
    h.clock.advance(60_000);
    expect(h.texts()).toEqual(['⏳ request', '✅ result', '!log depooled maps1005', 'answer 10', 'answer 11', 'answer 12']);
    expect(h.discarded.every(([, , reason]) => reason === 'full')).toBe(true);
  });

  it('lets a caller add to an unsent message (identical answers), but not to one already on its way', () => {
    const h = harness({ burst: 1 });
    const first = { target: '#ops', lines: ['alice: ok'], rank: 4, keep: false };
    h.outbox.enqueue(first);
    const second = { target: '#ops', lines: ['bob: ok'], rank: 4, keep: false };
    h.outbox.enqueue(second);
    expect(h.outbox.findUnsent('#ops', (message) => message.lines[0] === 'alice: ok')).toBeUndefined();
    expect(h.outbox.findUnsent('#ops', (message) => message === second)).toBe(second);
    expect(h.outbox.replaceLines(second, ['bob, carol: ok'])).toBe(true);
    expect(h.outbox.replaceLines(first, ['nope'])).toBe(false);
    h.clock.advance(2000);
    expect(h.texts()).toEqual(['alice: ok', 'bob, carol: ok']);
  });

  it('tells each message what became of its first line', () => {
    const h = harness({ burst: 1, max: 2 });
    const outcomes: string[] = [];
    h.online.value = false;
    h.enqueue('#ops', ['p'], { rank: 3, keep: false, coalesceKey: 'r', onFirstLine: (outcome) => outcomes.push(`p:${outcome}`) });
    h.enqueue('#ops', ['q'], { rank: 3, keep: false, coalesceKey: 'r', onFirstLine: (outcome) => outcomes.push(`q:${outcome}`) });
    h.enqueue('#ops', ['x', 'y'], { onFirstLine: (outcome) => outcomes.push(`x:${outcome}`) });
    expect(outcomes).toEqual(['p:discarded', 'q:discarded']);
    h.online.value = true;
    h.outbox.pump();
    expect(outcomes).toEqual(['p:discarded', 'q:discarded', 'x:written']);
    h.enqueue('#ops', ['z'], { onFirstLine: (outcome) => outcomes.push(`z:${outcome}`) });
    h.outbox.clear();
    expect(outcomes.at(-1)).toBe('z:discarded');
    expect(h.texts()).toEqual(['x']);
  });

  it('skips moot lines without spending budget', () => {
    const clock = new FakeClock();
    const written: string[] = [];
    const outbox = new Outbox<string>({
      bucket: new TokenBucket({ burst: 1, perSecond: 1, timers: clock }),
      timers: clock,
      maxQueuedLines: 10,
      canSend: () => true,
      isMoot: (_target, line) => line.startsWith('react'),
      write: (_target, line) => {
        written.push(line);
        return true;
      },
    });
    outbox.enqueue({ target: '#ops', lines: ['react 1'], rank: 3, keep: false });
    outbox.enqueue({ target: '#ops', lines: ['text'], rank: 2, keep: true });
    expect(written).toEqual(['text']);
  });
});

describe('marks keep their order with the lines about the same request (issue 14: no 👀 after ✅)', () => {
  type Line = { line: IrcLine; index: number };
  function marks() {
    const clock = new FakeClock();
    const written: string[] = [];
    const discarded: DiscardReason[] = [];
    // One line a second after a burst of one: whatever is queued while the first line goes waits in the outbox.
    const outbox = new Outbox<Line>({
      bucket: new TokenBucket({ burst: 1, perSecond: 1, timers: clock }),
      timers: clock,
      maxQueuedLines: 500,
      canSend: () => true,
      write: (_target, { line }) => {
        written.push(line.command === 'TAGMSG' ? `mark ${line.tags['+draft/react'] ?? ''}` : line.text);
        return true;
      },
      onDiscard: (_target, _lines, reason) => discarded.push(reason),
    });
    const say = (text: string, urgency: Urgency): void => outbox.enqueue({ target: '#ops', lines: [{ line: { command: 'PRIVMSG', text }, index: 0 }], rank: urgencyRank(urgency), keep: true });
    return { clock, outbox, written, discarded, say };
  }

  it('a 👀 set with the approval goes before a ✅ line queued after it', () => {
    const { clock, outbox, written, say } = marks();
    say('👍 bob approved req1', 'approval');
    outbox.enqueue(markMessage('#ops', 'm1', '👀', 'approval'));
    say('✅ req1 done', 'result');
    clock.advance(5000);
    expect(written).toEqual(['👍 bob approved req1', 'mark 👀', '✅ req1 done']);
  });

  it('a newer mark on the same message replaces one still unsent; marks on other messages stay', () => {
    const { clock, outbox, written, discarded, say } = marks();
    say('busy', 'result');
    outbox.enqueue(markMessage('#ops', 'm1', '👀', 'progress'));
    outbox.enqueue(markMessage('#ops', 'm2', '👀', 'progress'));
    say('✅ req1 done', 'result');
    outbox.enqueue(markMessage('#ops', 'm1', '✅', 'result'));
    clock.advance(10_000);
    expect(written).toEqual(['busy', '✅ req1 done', 'mark ✅', 'mark 👀']);
    expect(discarded).toEqual(['coalesced']);
  });
});
