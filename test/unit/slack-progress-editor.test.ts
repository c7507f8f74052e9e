import { describe, expect, it } from 'vitest';
import { ProgressEditor, type ProgressPlace } from '../../bot/slack/progress-editor.js';
import type { Timers } from '../../bot/slack/timers.js';
import type { MessageRef } from '../../bot/transport.js';

/** A clock that moves only when told, running due callbacks in order and letting promises settle between them. */
class ManualTimers implements Timers {
  private time = 0;
  private sequence = 0;
  private due: { at: number; id: number; callback: () => void }[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    this.sequence += 1;
    this.due.push({ at: this.time + ms, id: this.sequence, callback });
    return this.sequence;
  }

  clearTimeout(handle: unknown): void {
    this.due = this.due.filter((timer) => timer.id !== handle);
  }

  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      const next = [...this.due].sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (next === undefined || next.at > target) break;
      this.due = this.due.filter((timer) => timer !== next);
      this.time = next.at;
      next.callback();
      await settle();
    }
    this.time = target;
    await settle();
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Write {
  kind: 'post' | 'edit';
  at: number;
  text: string;
  ref: MessageRef;
}

/** The Slack side: records posts and edits with the fake time; can fail or hold an edit open. */
function harness(options: { interval?: number } = {}) {
  const timers = new ManualTimers();
  const writes: Write[] = [];
  const logs: string[] = [];
  let posts = 0;
  let failPost = false;
  let failEdit = false;
  let holdEdit: Promise<void> | undefined;
  const editor = new ProgressEditor({
    timers,
    minIntervalMs: options.interval ?? 2_000,
    log: (message) => logs.push(message),
    async post(place: ProgressPlace, text: string) {
      if (failPost) throw new Error('slack down');
      posts += 1;
      const ref = { transport: 'slack', channel: place.channel, id: `ts-${posts}` };
      writes.push({ kind: 'post', at: timers.now(), text, ref });
      return ref;
    },
    async edit(ref: MessageRef, text: string) {
      writes.push({ kind: 'edit', at: timers.now(), text, ref });
      if (holdEdit !== undefined) await holdEdit;
      if (failEdit) throw new Error('edit refused');
    },
  });
  return {
    editor,
    timers,
    writes,
    logs,
    edits: () => writes.filter((write) => write.kind === 'edit'),
    failPosts: (fail: boolean) => void (failPost = fail),
    failEdits: (fail: boolean) => void (failEdit = fail),
    hold: (promise: Promise<void> | undefined) => void (holdEdit = promise),
  };
}

const PLACE = { channel: 'C0OPS00001', threadTs: '1700000000.000001' };

describe('ProgressEditor: one message per request, edited in place', () => {
  it('posts the first update at once, in the request’s thread, and resolves with the message', async () => {
    const { editor, writes } = harness();
    const ref = await editor.show('r1', PLACE, 'step 1/3');
    expect(ref).toEqual({ transport: 'slack', channel: 'C0OPS00001', id: 'ts-1' });
    expect(writes).toEqual([{ kind: 'post', at: 0, text: 'step 1/3', ref }]);
    expect(editor.has('r1')).toBe(true);
  });

  it('coalesces updates inside the interval into one edit with the newest text', async () => {
    const { editor, timers, edits } = harness();
    await editor.show('r1', PLACE, 'step 1/4');
    await timers.advance(100);
    expect(await editor.show('r1', PLACE, 'step 2/4')).toEqual({ transport: 'slack', channel: 'C0OPS00001', id: 'ts-1' });
    await timers.advance(100);
    await editor.show('r1', PLACE, 'step 3/4');
    await editor.show('r1', PLACE, 'step 4/4');
    await timers.advance(1_700);
    expect(edits()).toEqual([]);
    await timers.advance(100);
    expect(edits().map((edit) => [edit.at, edit.text, edit.ref.id])).toEqual([[2_000, 'step 4/4', 'ts-1']]);
  });

  it('never edits more than once per interval under a steady stream, and the last text always lands', async () => {
    const { editor, timers, edits, writes } = harness();
    for (let step = 1; step <= 100; step += 1) {
      await editor.show('r1', PLACE, `host ${step}/100`);
      await timers.advance(100);
    }
    await timers.advance(2_000);
    const times = edits().map((edit) => edit.at);
    expect(times.length).toBeLessThanOrEqual(6);
    for (let index = 1; index < times.length; index += 1) expect((times[index] ?? 0) - (times[index - 1] ?? 0)).toBeGreaterThanOrEqual(2_000);
    expect(edits().at(-1)?.text).toBe('host 100/100');
    expect(writes.filter((write) => write.kind === 'post')).toHaveLength(1);
  });

  it('edits at once when the last write is older than the interval', async () => {
    const { editor, timers, edits } = harness();
    await editor.show('r1', PLACE, 'step 1/2');
    await timers.advance(5_000);
    await editor.show('r1', PLACE, 'step 2/2');
    await timers.advance(0);
    expect(edits().map((edit) => [edit.at, edit.text])).toEqual([[5_000, 'step 2/2']]);
  });

  it('waits for an edit in flight, then keeps the interval from when it finished', async () => {
    const { editor, timers, edits, hold } = harness();
    await editor.show('r1', PLACE, 'a');
    let release: () => void = () => undefined;
    hold(new Promise((resolve) => (release = resolve)));
    await editor.show('r1', PLACE, 'b');
    await timers.advance(2_000);
    await editor.show('r1', PLACE, 'c');
    await timers.advance(3_000);
    expect(edits().map((edit) => edit.text)).toEqual(['b']);
    hold(undefined);
    release();
    await timers.advance(1_999);
    expect(edits().map((edit) => edit.text)).toEqual(['b']);
    await timers.advance(1);
    expect(edits().map((edit) => [edit.at, edit.text])).toEqual([
      [2_000, 'b'],
      [7_000, 'c'],
    ]);
  });

  it('writes the final state within the interval, resolves true, then forgets the request and drops late progress', async () => {
    const { editor, timers, edits, writes } = harness();
    await editor.show('r1', PLACE, 'step 1/2');
    await timers.advance(500);
    let written: boolean | undefined;
    void editor.finish('r1', '✅ r1 done').then((value) => (written = value));
    await editor.show('r1', PLACE, 'step 2/2 (late)');
    await timers.advance(1_000);
    expect(written).toBeUndefined();
    await timers.advance(500);
    expect(written).toBe(true);
    expect(edits().map((edit) => [edit.at, edit.text])).toEqual([[2_000, '✅ r1 done']]);
    expect(editor.has('r1')).toBe(false);
    expect(await editor.show('r1', PLACE, 'step 2/2 (retried delivery)')).toBeUndefined();
    await timers.advance(10_000);
    expect(writes).toHaveLength(2);
  });

  it('answers false at once when a request had no progress message', async () => {
    const { editor, writes } = harness();
    expect(await editor.finish('r9', '✅ r9 done')).toBe(false);
    expect(writes).toEqual([]);
  });

  it('keeps requests apart: each has its own message and its own interval', async () => {
    const { editor, timers, writes } = harness();
    await editor.show('r1', PLACE, 'r1 step 1');
    await timers.advance(1_000);
    await editor.show('r2', { channel: 'C0OPS00001' }, 'r2 step 1');
    await editor.show('r1', PLACE, 'r1 step 2');
    await editor.show('r2', { channel: 'C0OPS00001' }, 'r2 step 2');
    await timers.advance(2_000);
    expect(writes.map((write) => [write.kind, write.at, write.ref.id, write.text])).toEqual([
      ['post', 0, 'ts-1', 'r1 step 1'],
      ['post', 1_000, 'ts-2', 'r2 step 1'],
      ['edit', 2_000, 'ts-1', 'r1 step 2'],
      ['edit', 3_000, 'ts-2', 'r2 step 2'],
    ]);
  });

  it('rethrows a failed first post and starts over with the next update', async () => {
    const { editor, writes, failPosts } = harness();
    failPosts(true);
    await expect(editor.show('r1', PLACE, 'step 1')).rejects.toThrow('slack down');
    expect(editor.has('r1')).toBe(false);
    failPosts(false);
    expect(await editor.show('r1', PLACE, 'step 1')).toMatchObject({ id: 'ts-1' });
    expect(writes.map((write) => write.kind)).toEqual(['post']);
  });

  it('logs a failed edit and still writes the next text', async () => {
    const { editor, timers, edits, logs, failEdits } = harness();
    await editor.show('r1', PLACE, 'step 1');
    failEdits(true);
    await editor.show('r1', PLACE, 'step 2');
    await timers.advance(2_000);
    expect(logs).toEqual(['could not update the progress message of r1']);
    failEdits(false);
    await editor.show('r1', PLACE, 'step 3');
    await timers.advance(2_000);
    expect(edits().map((edit) => edit.text)).toEqual(['step 2', 'step 3']);
  });

  it('flush writes what is pending without waiting for the interval', async () => {
    const { editor, timers, edits } = harness({ interval: 60_000 });
    await editor.show('r1', PLACE, 'step 1');
    await editor.show('r1', PLACE, 'step 2');
    await timers.advance(10);
    const flushed = editor.flush();
    await timers.advance(0);
    await flushed;
    expect(edits().map((edit) => [edit.at, edit.text])).toEqual([[10, 'step 2']]);
  });
});
