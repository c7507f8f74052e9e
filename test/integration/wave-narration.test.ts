import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordWave, replayIrc, replaySlack, type RecordedWave } from '../../bench/airtime.js';
import { textOf, type SlackCall } from '../helpers/fake-slack-api.js';
import { requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';

/**
 * Issue 14: a 50-host wave on the simulated fleet, through the real bot, and what reaches the
 * wire of the real IRC transport (fake server) and the real Slack transport (fake Web API).
 * Each step is said once when it starts and once when it ends; IRC gets at most 6 lines; Slack
 * gets one message in the channel, edited, with the rest in its thread.
 */
describe('a 50-host wave in chat', () => {
  let redis: Redis;
  let wave: RecordedWave;

  beforeAll(async () => {
    await requireRedis();
    redis = new Redis(TEST_REDIS_URL);
    // startBenchBot's prefix is unique and removed when the wave is recorded.
    wave = await recordWave(redis);
  }, 90_000);

  afterAll(async () => {
    await redis.quit();
  });

  it('IRC: the request, 👍, 👀, ▶, one !log, ✅ in that order; the guard says its own news apart', async () => {
    const { lines } = await replayIrc(wave.events, wave.config);
    const { id } = wave;
    const said = lines.filter((line) => line.waves).map((line) => line.said);

    expect(said).toEqual([
      // One line, how to answer before the details, the 50 keys in the words of the !log that will record them.
      expect.stringMatching(
        new RegExp(
          `^⏳ ${id}: alice asks to run bench-wave-50 eqiad wave: pool 50 workers in one wave · needs 1 approval from bob, carol: !approve ${id} or !deny ${id} · ` +
            String.raw`conftool wikikube-worker\[1001-1050\]\.eqiad\.wmnet kartotherian-k8s-ssl \(eqiad\): pooled=inactive → yes weight=10 \(50 keys\) · health now: `,
        ),
      ),
      `👍 bob approved ${id} (1/1) · queued: bench-wave-50 eqiad wave: pool 50 workers in one wave`,
      'mark 👀',
      `▶ eqiad wave: pool 50 workers in one wave (${id})`,
      '!log conftool wikikube-worker[1001-1050].eqiad.wmnet kartotherian-k8s-ssl (eqiad): pooled=inactive → yes weight=10 - airtime - alice@cutover - T378944',
      `✅ eqiad wave done: pool wikikube-worker[1001-1050] · the plan is complete (${id})`,
    ]);
    expect(said.length).toBeLessThanOrEqual(6);
    // Every line of the wave is whole: none wrapped onto a ↳ line.
    expect(lines.filter((line) => line.waves && line.said.startsWith('↳'))).toEqual([]);
    // Not the wave's: only the guard's news (when it looked in time) that the bench's workers serve no real traffic.
    for (const line of lines.filter((each) => !each.waves)) expect(line.said).toMatch(/^(❔ |↳ )/);
  });

  it('Slack: one message in the channel, edited as the wave moves on, its buttons gone at the end; the rest in its thread', async () => {
    const { calls } = await replaySlack(wave.events, wave.config);
    const { id } = wave;
    const ours = calls.filter((call) => !(call.method === 'chat.postMessage' && call.params['thread_ts'] === undefined && !textOf(call).includes(id)));
    const [request, ...rest] = ours;

    expect(request?.method).toBe('chat.postMessage');
    expect(request?.params['thread_ts']).toBeUndefined();
    expect(textOf(request as SlackCall)).toMatch(new RegExp(`^⏳ ${id}: alice asks to run bench-wave-50 eqiad wave`));
    expect(blockTypes(request)).toEqual(['section', 'actions']);
    const ts = (request as SlackCall).response['ts'];

    // Nothing else of the wave in the channel: replies in the request's thread, edits of it, one mark (the gateway's 👀).
    expect(rest.filter((call) => call.method === 'chat.postMessage').map((call) => [call.params['thread_ts'], textOf(call).split(' ')[0]])).toEqual([
      [ts, '👍'],
      [ts, '▶'],
      [ts, '!log'],
      [ts, '✅'],
    ]);
    expect(rest.filter((call) => call.method === 'reactions.add').map((call) => call.params['name'])).toEqual(['eyes']);
    const edits = rest.filter((call) => call.method === 'chat.update');
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((call) => call.params['ts'] === ts)).toBe(true);
    // Edits in the order things happened: each shows what the one before it showed, and more.
    const notes = edits.map(contextNotes);
    for (const [index, shown] of notes.entries()) expect(shown.slice(0, notes[index - 1]?.length ?? 0)).toEqual(notes[index - 1] ?? []);
    const last = edits.at(-1);
    expect(blockTypes(last)).toEqual(['section', 'context']);
    expect(textOf(last as SlackCall)).not.toMatch(/!approve|needs 1 approval/);
    expect(notes.at(-1)).toEqual([expect.stringMatching(new RegExp(`^👍 bob approved ${id}`)), expect.stringMatching(/^▶ eqiad wave/), expect.stringMatching(new RegExp(`^✅ eqiad wave done: .*\\(${id}\\)$`))]);
  }, 60_000);
});

function blockTypes(call: SlackCall | undefined): unknown[] {
  const blocks = call?.params['blocks'];
  return Array.isArray(blocks) ? blocks.map((block: { type?: unknown }) => block.type) : [];
}

/** The lines under the request's text (approved by, started, done), as the edit shows them. */
function contextNotes(call: SlackCall): string[] {
  const blocks = call.params['blocks'];
  if (!Array.isArray(blocks)) return [];
  const context = blocks.find((block: { type?: unknown }) => block.type === 'context') as { elements?: { text?: string }[] } | undefined;
  return (context?.elements ?? []).map((element) => element.text ?? '');
}
