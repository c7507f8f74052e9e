/**
 * Bare metal the plan takes out is silenced in a real prometheus-alertmanager (jobs/plan/host-silences.ts,
 * through step execution, the journal's compensation and the emergency stop): host alerts only, never
 * the service's probe alerts; the silence is journalled, and expired when the host serves again.
 * Alertmanager failing never holds the change: the channel is told.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerAlerts } from '../../adapters/alertmanager/alertmanager-alerts.js';
import { alertmanagerSettingsSchema } from '../../adapters/alertmanager/settings.js';
import type { PlanStepAction } from '../../core/actions.js';
import type { JournalEntry } from '../../core/plan/run-state.js';
import type { ChangeRequest } from '../../core/requests.js';
import { EmergencyStop } from '../../jobs/plan/emergency-stop.js';
import { StepExecution } from '../../jobs/plan/step-execution.js';
import { startAlertmanager, type AlertmanagerServer } from '../helpers/alertmanager-server.js';
import { freePort } from '../helpers/free-port.js';
import { DEPOOLED, K8S, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const HOUR = 3_600_000;
const WORKERS = ['wikikube-worker1001.eqiad.wmnet', 'wikikube-worker1002.eqiad.wmnet', 'wikikube-worker1003.eqiad.wmnet'];
const SECOND_WAVE = { dc: 0, step: 3, wave: 1 };
let am: AlertmanagerServer;

interface Silence {
  id: string;
  createdBy: string;
  comment: string;
  endsAt: string;
  status: { state: string };
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
}

async function silence(id: string | undefined): Promise<Silence | undefined> {
  const all = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as Silence[];
  return all.find((candidate) => candidate.id === id);
}

async function worldWith(settings: Record<string, unknown>): Promise<PlanWorld> {
  const client = new AlertmanagerAlerts({ settings: alertmanagerSettingsSchema.parse(settings), now: Date.now });
  const world = await planWorld({ alerts: { client, settings } });
  // Alertmanager keeps real time: a silence must end after its own now.
  world.clock.set(Date.now());
  return world;
}

function executionOf(world: PlanWorld): StepExecution {
  const { context, narration, journal, pauses, schedule, safety, silences } = world;
  return new StepExecution({ context, narration, journal, pauses, schedule, rollout: { continueRollout: async () => undefined }, writer: safety.writer, proofs: safety.proofs, silences });
}

/** The waves step's second wave run: three proven workers serve, and it depools two maps hosts. */
async function depoolWave(world: PlanWorld): Promise<{ action: PlanStepAction; request: ChangeRequest; silences: JournalEntry[] }> {
  for (const worker of WORKERS) world.set(worker, POOLED);
  await world.safety.proofs.proven('kartotherian', world.inventory.pool(K8S, 'eqiad'), WORKERS, 'served real requests');
  const { action, request } = await world.approved(SECOND_WAVE);
  await executionOf(world).advance(action, request);
  return { action, request, silences: (await world.run()).journal.filter((entry) => entry.kind === 'silence') };
}

function depooledMaps(world: PlanWorld): string[] {
  return world.pooling.writes.filter((write) => write.path.includes('/maps') && write.next.pooled === 'no').map((write) => write.path.slice(write.path.lastIndexOf('/') + 1));
}

describe('bare metal the plan depools is silenced (real Alertmanager)', () => {
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    await am.dispose();
  });

  it("a depool step silences each host's own alerts until the plan's soaks are over plus an hour, journalled; probe alerts still fire", async () => {
    const world = await worldWith({ url: am.url });
    const { request, silences } = await depoolWave(world);

    const hosts = depooledMaps(world);
    expect(hosts).toHaveLength(2);
    expect(silences.map((entry) => [entry.target, entry.status, entry.dc, entry.stepId, entry.wave, entry.requestId])).toEqual(hosts.map((fqdn) => [fqdn, 'done', 'eqiad', 'waves', 1, request.id]));
    // This wave's soak, then codfw's first worker and its two waves: 15 min each, an hour in all; plus an hour's margin.
    const until = world.clock.now() + 4 * 15 * 60_000 + HOUR;
    for (const entry of silences) {
      const short = entry.target.split('.')[0] ?? '';
      const made = await silence(entry.silenceId);
      expect(made).toMatchObject({ createdBy: 'cutover', comment: `rehearsal - cutover request ${request.id} - T1000`, status: { state: 'active' } });
      expect(made?.matchers).toEqual([
        { name: 'instance', value: `${short}(:.*)?`, isRegex: true, isEqual: true },
        { name: 'job', value: 'probes/.*', isRegex: true, isEqual: false },
      ]);
      expect(Date.parse(made?.endsAt ?? '')).toBe(until);
    }

    const short = hosts[0]?.split('.')[0] ?? '';
    await am.fire([
      { labels: { alertname: 'NodeDown', instance: `${short}:9100`, job: 'node' } },
      { labels: { alertname: 'ProbeDown', instance: `${short}:443`, job: 'probes/custom' } },
    ]);
    const unsilenced = (await (await fetch(`${am.url}/api/v2/alerts?silenced=false&filter=${encodeURIComponent(`instance=~"${short}:.*"`)}`)).json()) as { labels: { alertname: string } }[];
    expect(unsilenced.map((alert) => alert.labels.alertname)).toEqual(['ProbeDown']);
  });

  it('a rollback of the step repools the hosts, expires their silences and marks the entries reverted', async () => {
    const world = await worldWith({ url: am.url });
    const { action, request, silences } = await depoolWave(world);

    await executionOf(world).rollback({ ...action, operation: 'rollback' }, { ...request, reason: 'latency' });

    for (const entry of silences) expect((await silence(entry.silenceId))?.status.state).toBe('expired');
    const after = (await world.run()).journal.filter((entry) => entry.kind === 'silence');
    expect(after.map((entry) => entry.status)).toEqual(['reverted', 'reverted']);
    expect(after[0]?.detail).toMatch(/^silenced maps\d+'s host alerts until .* · expired, back in: rollback requested by alice \(req\d+\): latency$/);
  });

  it('an emergency stop repools bare metal and expires every live silence', async () => {
    const world = await worldWith({ url: am.url });
    const { request, silences } = await depoolWave(world);
    const { context, narration, safety } = world;

    await new EmergencyStop({ context, narration, writer: safety.writer, silences: world.silences }).run({ ...request, reason: 'broken tiles' });

    for (const entry of silences) expect((await silence(entry.silenceId))?.status.state).toBe('expired');
    expect((await world.run()).journal.filter((entry) => entry.kind === 'silence').map((entry) => entry.status)).toEqual(['reverted', 'reverted']);
  });

  it('bare metal a step pools again has its silence expired; the one still out keeps its own', async () => {
    const world = await worldWith({ url: am.url });
    const { request, silences } = await depoolWave(world);
    const [back, out] = silences;
    const here = { dc: 'eqiad', step: world.plan.steps[3]!, wave: 1, waveCount: 2 };

    await world.silences.afterPoolChanges(here, request, [{ fqdn: back?.target ?? '', lvsService: K8S, from: DEPOOLED, to: POOLED }]);

    expect((await silence(back?.silenceId))?.status.state).toBe('expired');
    expect((await silence(out?.silenceId))?.status.state).toBe('active');
    expect((await world.run()).journal.filter((entry) => entry.kind === 'silence').map((entry) => entry.status)).toEqual(['reverted', 'done']);
  });

  it('Alertmanager down: the hosts are depooled all the same, and the channel is told', async () => {
    const world = await worldWith({ url: `http://127.0.0.1:${await freePort()}`, timeout_ms: 500 });
    const { silences } = await depoolWave(world);

    expect(depooledMaps(world)).toHaveLength(2);
    expect(silences).toEqual([]);
    expect((await world.run()).phase).toBe('soaking');
    const warning = world.said().find((line) => line.startsWith('⚠'));
    expect(warning).toMatch(/^⚠ Alertmanager did not silence maps\d+ \(Alertmanager at http:\/\/127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED\), maps\d+ \(.*\): the change went on; their host alerts may page while they are out$/);
  });

  it('with silence_hosts off, or in dry run, nothing is silenced', async () => {
    const off = await worldWith({ url: am.url, silence_hosts: false });
    expect((await depoolWave(off)).silences).toEqual([]);
    expect(depooledMaps(off)).toHaveLength(2);

    const dry = await worldWith({ url: am.url });
    dry.config.dry_run = true;
    expect((await depoolWave(dry)).silences).toEqual([]);
  });
});
