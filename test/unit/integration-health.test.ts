import { describe, expect, it } from 'vitest';
import { integrationsWarning } from '../../core/integration-words.js';
import type { Reachability } from '../../core/ports/integrations.js';
import { IntegrationHealth } from '../../jobs/integration-health.js';

const AT_2041 = Date.UTC(2026, 11, 6, 20, 41, 5);

/** A clock the test moves, and a probe that counts its calls and answers what it is told. */
function world() {
  const clock = { at: AT_2041, now: () => clock.at };
  const probe = { calls: 0, answer: { ok: true } as Reachability };
  const health = new IntegrationHealth(clock);
  const observe = health.add({
    name: 'alertmanager',
    probeIntervalMs: 30_000,
    probe: async () => {
      probe.calls += 1;
      return probe.answer;
    },
  });
  return { clock, probe, health, observe };
}

describe('integration health: what the adapters saw, and a probe at most once per interval', () => {
  it('a hundred status reads in one interval cost one probe; the next interval one more', async () => {
    const { clock, probe, health } = world();
    for (let read = 0; read < 100; read += 1) await health.statuses();
    expect(probe.calls).toBe(1);
    clock.at += 30_000;
    await Promise.all(Array.from({ length: 10 }, () => health.statuses()));
    expect(probe.calls).toBe(2);
  });

  it('an integration the plan uses is never probed: its own calls say it answers', async () => {
    const { clock, probe, health, observe } = world();
    for (let minute = 0; minute < 5; minute += 1) {
      observe({ ok: true });
      expect(await health.statuses()).toEqual([{ name: 'alertmanager', state: 'ok' }]);
      clock.at += 20_000;
    }
    expect(probe.calls).toBe(0);
  });

  it('unreachable since the first failure of a run, ok again after one success; said in one line only then', async () => {
    const { clock, health, observe } = world();
    observe({ ok: false, error: 'ECONNREFUSED', unreachable: true });
    clock.at += 10_000;
    observe({ ok: false, error: 'ECONNREFUSED', unreachable: true });
    const down = await health.statuses();
    expect(down).toEqual([{ name: 'alertmanager', state: 'unreachable', since: AT_2041, error: 'ECONNREFUSED' }]);
    expect(integrationsWarning(down)).toBe('⚠ integrations: alertmanager unreachable since 20:41 (ECONNREFUSED)');
    observe({ ok: true });
    expect(integrationsWarning(await health.statuses())).toBeUndefined();
  });

  it('an outbox: messages waiting behind a failed delivery are said with its last error, in flight they are not', () => {
    const waiting = (lastError?: string) => [{ name: 'phabricator', state: 'ok' as const, backlog: { waiting: 3, what: 'comments', ...(lastError === undefined ? {} : { lastError }) } }];
    expect(integrationsWarning(waiting('Phabricator answered HTTP 502: <html>bad gateway</html>'))).toBe('⚠ integrations: phabricator 3 comments waiting, last error HTTP 502');
    expect(integrationsWarning(waiting())).toBeUndefined();
  });

  it('nothing configured, nothing said', async () => {
    const health = new IntegrationHealth({ now: () => AT_2041 });
    expect(health.size).toBe(0);
    expect(integrationsWarning(await health.statuses())).toBeUndefined();
  });
});
