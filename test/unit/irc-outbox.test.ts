import { describe, expect, it } from 'vitest';
import { Outbox, type DiscardReason, type OutboxMessage } from '../../bot/irc/outbox.js';
import { TokenBucket } from '../../bot/irc/token-bucket.js';
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
    enqueue: (target, lines, extra = {}) => outbox.enqueue({ target, lines, droppable: false, ...extra }),
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

  it('holds everything while offline and sends it, in order and at the budget, once pumped again', () => {
    const h = harness();
    h.online.value = false;
    h.enqueue('#ops', ['r1', 'r2']);
    h.enqueue('#ops', ['p1'], { droppable: true, coalesceKey: 'req1' });
    h.enqueue('#ops', ['r3', 'r4', 'r5']);
    h.clock.advance(60_000);
    expect(h.written).toEqual([]);
    h.online.value = true;
    h.outbox.pump();
    h.clock.advance(2000);
    expect(h.texts()).toEqual(['r1', 'r2', 'p1', 'r3', 'r4', 'r5']);
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
    outbox.enqueue({ target: '#ops', lines: ['one', 'two'], droppable: false });
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
    for (let stage = 1; stage <= 20; stage += 1) h.enqueue('#ops', [`req1 stage ${stage}`], { droppable: true, coalesceKey: 'req1' });
    for (let stage = 1; stage <= 20; stage += 1) h.enqueue('#ops', [`req2 stage ${stage}`], { droppable: true, coalesceKey: 'req2' });
    h.clock.advance(10_000);
    expect(h.texts()).toEqual(['result of something else', 'req1 stage 20', 'req2 stage 20']);
    expect(h.discarded.filter(([, , reason]) => reason === 'coalesced').reduce((sum, [, lines]) => sum + lines, 0)).toBe(38);
  });

  it('never coalesces results, errors or replies, nor progress without a request', () => {
    const h = harness({ burst: 10 });
    h.online.value = false;
    h.enqueue('#ops', ['done 1']);
    h.enqueue('#ops', ['done 1']);
    h.enqueue('#ops', ['note'], { droppable: true });
    h.enqueue('#ops', ['note'], { droppable: true });
    h.online.value = true;
    h.outbox.pump();
    expect(h.texts()).toEqual(['done 1', 'done 1', 'note', 'note']);
  });

  it('replaces all unsent lines of an older multi-line progress message, even after its first line went out', () => {
    const h = harness({ burst: 1 });
    h.enqueue('#ops', ['old a', 'old b', 'old c'], { droppable: true, coalesceKey: 'req1' });
    h.enqueue('#ops', ['new a', 'new b'], { droppable: true, coalesceKey: 'req1' });
    h.clock.advance(5000);
    expect(h.texts()).toEqual(['old a', 'new a', 'new b']);
  });

  it('when full, drops the oldest progress first and keeps every result', () => {
    const h = harness({ max: 10 });
    h.online.value = false;
    for (let i = 1; i <= 6; i += 1) h.enqueue('#ops', [`progress ${i}`], { droppable: true, coalesceKey: `req${i}` });
    for (let i = 1; i <= 6; i += 1) h.enqueue('#ops', [`result ${i}`]);
    expect(h.outbox.size('#ops')).toBe(10);
    expect(h.discarded).toEqual([
      ['#ops', 1, 'full'],
      ['#ops', 1, 'full'],
    ]);
    h.online.value = true;
    h.outbox.pump();
    h.clock.advance(60_000);
    expect(h.texts()).toEqual(['progress 3', 'progress 4', 'progress 5', 'progress 6', 'result 1', 'result 2', 'result 3', 'result 4', 'result 5', 'result 6']);
  });

  it('drops the oldest results only when nothing droppable is left', () => {
    const h = harness({ max: 3 });
    h.online.value = false;
    for (let i = 1; i <= 5; i += 1) h.enqueue('#ops', [`result ${i}`]);
    h.online.value = true;
    h.outbox.pump();
    expect(h.texts()).toEqual(['result 3', 'result 4', 'result 5']);
  });

  it('tells each message what became of its first line', () => {
    const h = harness({ burst: 1, max: 2 });
    const outcomes: string[] = [];
    h.online.value = false;
    h.enqueue('#ops', ['p'], { droppable: true, coalesceKey: 'r', onFirstLine: (outcome) => outcomes.push(`p:${outcome}`) });
    h.enqueue('#ops', ['q'], { droppable: true, coalesceKey: 'r', onFirstLine: (outcome) => outcomes.push(`q:${outcome}`) });
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
    outbox.enqueue({ target: '#ops', lines: ['react 1'], droppable: true });
    outbox.enqueue({ target: '#ops', lines: ['text'], droppable: false });
    expect(written).toEqual(['text']);
  });
});
