/**
 * Firing alerts hold the plan (jobs/plan: context, soak analysis, views, requests), read from a
 * real prometheus-alertmanager: a soak pauses and says which alerts, `plan` names them, `next`
 * is refused, and only a person's resume lets the plan go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerAlerts } from '../../adapters/alertmanager/alertmanager-alerts.js';
import { alertmanagerSettingsSchema } from '../../adapters/alertmanager/settings.js';
import { CutoverError } from '../../core/errors.js';
import { EmergencyStop } from '../../jobs/plan/emergency-stop.js';
import { PlanRequests } from '../../jobs/plan/plan-requests.js';
import { PlanViews } from '../../jobs/plan/plan-views.js';
import { SoakAnalysis } from '../../jobs/plan/soak-analysis.js';
import { RequestFiler } from '../../jobs/request-filer.js';
import { startAlertmanager, type AlertmanagerServer } from '../helpers/alertmanager-server.js';
import { callerFor } from '../helpers/fakes.js';
import { freePort } from '../helpers/free-port.js';
import { INACTIVE, POOLED, planWorld, type PlanWorld } from '../helpers/plan-world.js';

const W1001 = 'wikikube-worker1001.eqiad.wmnet';
const MINUTE = 60_000;
const alice = callerFor('alice');
let am: AlertmanagerServer;
let instanceSeq = 0;

/** Each test its own instance label, so one test's alerts are not another's. */
function serviceOf(): { instance: string; settings: Record<string, unknown> } {
  instanceSeq += 1;
  const instance = `kartotherian-ssl-t${instanceSeq}:443`;
  return { instance, settings: { url: am.url, service_matchers: [`{job=~"probes/.*", instance="${instance}"}`] } };
}

async function worldWithAlerts(settings: Record<string, unknown>): Promise<PlanWorld> {
  const client = new AlertmanagerAlerts({ settings: alertmanagerSettingsSchema.parse(settings), now: Date.now });
  return planWorld({ alerts: { client, settings } });
}

function soakingFirstWorker(world: PlanWorld): SoakAnalysis {
  world.set(W1001, POOLED);
  const now = world.clock.now();
  world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'soaking', soak: { startedAt: now, until: now + 15 * MINUTE, checks: 0, failures: 0, tickKey: 'first' }, journal: [world.entry(W1001, INACTIVE, POOLED)] });
  const { context, narration, journal, pauses, schedule } = world;
  const execution = { afterChanges: () => Promise.reject(new Error('not asked')), complete: () => Promise.reject(new Error('not asked')) };
  return new SoakAnalysis({ context, narration, journal, pauses, schedule, execution });
}

function requestsOf(world: PlanWorld): { views: PlanViews; requests: PlanRequests } {
  const { context, narration, journal, requests, safety, config, clock, audit, queue } = world;
  const views = new PlanViews({ context, requests });
  const filer = new RequestFiler({ config, clock, requests, queue, audit });
  return { views, requests: new PlanRequests({ context, narration, views, journal, emergency: new EmergencyStop({ context, narration, writer: safety.writer, silences: world.silences }), requests, filer }) };
}

describe('firing alerts hold the plan (real Alertmanager)', () => {
  beforeAll(async () => {
    am = await startAlertmanager();
  });
  afterAll(async () => {
    await am.dispose();
  });

  it('a soak pauses naming the alert; it stays paused after the alert resolves, until a person resumes', async () => {
    const { instance, settings } = serviceOf();
    const world = await worldWithAlerts(settings);
    const soak = soakingFirstWorker(world);
    await am.fire([{ labels: { alertname: 'ProbeDown', job: 'probes/service', instance } }]);
    world.clock.advance(MINUTE);

    await soak.tick('first');

    const paused = await world.run();
    expect(paused.phase).toBe('paused');
    expect(paused.pause).toMatchObject({ reason: 'an alert firing for kartotherian: ProbeDown. !kartotherian resume once they are understood, or !kartotherian rollback', resume: 'soaking' });
    expect(world.said()).toEqual(['⏸ test-plan paused: an alert firing for kartotherian: ProbeDown. !kartotherian resume once they are understood, or !kartotherian rollback']);
    expect((await requestsOf(world).views.progress()).blocking).toContain('an alert firing for kartotherian: ProbeDown');
    // Nothing was rolled back: an alert holds the plan, it is not a health breach.
    expect(world.state(W1001)).toEqual(POOLED);

    await am.fire([{ labels: { alertname: 'ProbeDown', job: 'probes/service', instance }, endsAt: new Date(Date.now() - 1000).toISOString() }]);
    await soak.tick(paused.soak?.tickKey);
    expect((await world.run()).phase).toBe('paused');

    await soak.resume(alice);
    const resumed = await world.run();
    expect(resumed.phase).toBe('soaking');
    await soak.tick(resumed.soak?.tickKey);
    expect(await world.run()).toMatchObject({ phase: 'soaking', soak: { checks: 1, failures: 0 } });
  });

  it('a ready plan is blocked: `plan` names the alerts and `next` is refused, as a rollout\'s next wave would be', async () => {
    const { instance, settings } = serviceOf();
    const world = await worldWithAlerts(settings);
    world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'ready' });
    const { views, requests } = requestsOf(world);
    await am.fire([
      { labels: { alertname: 'ProbeDown', job: 'probes/service', instance } },
      { labels: { alertname: 'ProbeFlapping', job: 'probes/service', instance } },
    ]);

    expect(await views.blocking(await world.run())).toBe('first-worker is blocked: 2 alerts firing for kartotherian: ProbeDown, ProbeFlapping');
    const refused = await requests.requestNext(alice, { rollout: true, reason: 'go' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(CutoverError);
    expect((refused as CutoverError).message).toBe('eqiad step 2/4 first-worker is blocked: 2 alerts firing for kartotherian: ProbeDown, ProbeFlapping');
    expect((await world.run()).phase).toBe('ready');
    expect(world.requests.created).toEqual([]);
  });

  it('an Alertmanager that does not answer holds the plan too; a soak pauses as inconclusive', async () => {
    const world = await worldWithAlerts({ url: `http://127.0.0.1:${await freePort()}`, timeout_ms: 500, service_matchers: ['{alertname="ProbeDown"}'] });
    const soak = soakingFirstWorker(world);
    await soak.tick('first');
    expect((await world.run()).pause?.reason).toMatch(/^inconclusive: the service's alerts could not be read: Alertmanager at http:\/\/127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED\. !kartotherian resume to keep soaking once it answers/);
  });

  it('without matchers configured the alerts hold nothing', async () => {
    const world = await worldWithAlerts({ url: am.url });
    world.seed({ position: { dc: 0, step: 1, wave: 0 }, phase: 'ready' });
    expect(await requestsOf(world).views.blocking(await world.run())).toBe('waiting for someone to say !kartotherian next (pool the first worker)');
  });
});
