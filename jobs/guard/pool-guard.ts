import type { HealthSnapshot } from '../../core/ports/plan-effects.js';
import type { PoolingBackend } from '../../core/ports/pooling.js';
import type { Clock } from '../../core/ports/stores.js';
import { formatDuration } from '../../core/durations.js';
import { CutoverError } from '../../core/errors.js';
import type { Inventory, PoolRef } from '../../core/inventory.js';
import { analyse, type AnalysisSettings, type Verdict } from '../../core/plan/analysis.js';
import { newWorkerRecord, type WorkerRecord } from '../../core/policy/worker-proof.js';
import type { PoolState } from '../../core/pool-state.js';
import type { PoolWriter } from '../pool-writer.js';
import type { GuardState } from './guard-state.js';
import type { GuardVoice } from './guard-voice.js';
import type { CheckedWorker, ProofSettings, WorkerProofs } from './worker-proofs.js';
import { announcementLines, depoolLines, type Depooled } from './guard-lines.js';

export interface GuardSettings extends ProofSettings {
  /** How often every pooled worker gets real requests (default 5 s). */
  intervalMs: number;
  /** Requests to a worker that just failed, before it is depooled: one lost packet is not an outage. */
  confirmAttempts: number;
  analysis: AnalysisSettings;
  analysisIntervalMs: number;
}

export interface PoolGuardDeps {
  service: string;
  inventory: Inventory;
  pooling: Pick<PoolingBackend, 'listPool'>;
  proofs: WorkerProofs;
  writer: PoolWriter;
  voice: GuardVoice;
  state: GuardState;
  settings: GuardSettings;
  clock: Clock;
  /** k8s beside bare metal from Prometheus; absent when no metrics are configured. */
  health?: (pool: { dc: string; lvsService: string }) => Promise<HealthSnapshot>;
  /** True while the plan's own soak analyses this DC: it rolls back its own change, the guard does not second-guess it. */
  planAnalyses?: (dc: string) => Promise<boolean>;
  /** The guard depooled a worker: the plan pauses (and rolls back) the step that pooled it. */
  onDepooled?: (dc: string, fqdn: string, why: string) => Promise<void>;
}

/**
 * Watches every pooled Wikikube worker, whoever pooled it (a hand `pool`, the plan, or confctl
 * outside the bot): real requests through the VIP path every few seconds, Prometheus health at
 * the plan's interval. A worker that fails real requests is depooled through the same writer
 * and policy as every other change, with the numbers in the channel and a `!log` line.
 */
export class PoolGuard {
  constructor(private readonly deps: PoolGuardDeps) {}

  get service(): string {
    return this.deps.service;
  }

  /** One look at every worker pool of the service; at most one tick runs at a time across processes. */
  async tick(): Promise<'ran' | 'busy'> {
    const { service, state, settings } = this.deps;
    // Two intervals (10 s at least), renewed while the tick runs: a process killed in the middle of a
    // tick leaves a lock that lapses within one TTL (a 30 s lock kept a restarted bot blind for 35 s).
    const ttlMs = Math.max(10_000, settings.intervalMs * 2);
    const lock = await state.tryLock(service, ttlMs);
    if (lock === undefined) return 'busy';
    const renewal = setInterval(() => void state.renew(service, lock, ttlMs).catch(() => false), ttlMs / 3);
    try {
      for (const dc of this.deps.inventory.datacenters) {
        for (const lvsService of this.deps.inventory.workerLvsServices) await this.watch(this.deps.inventory.pool(lvsService, dc));
      }
      await state.markTick(service, this.deps.clock.now());
      return 'ran';
    } finally {
      clearInterval(renewal);
      await state.unlock(service, lock);
    }
  }

  private async watch(pool: PoolRef): Promise<void> {
    const { service, proofs, settings } = this.deps;
    const states = new Map((await this.deps.pooling.listPool(pool)).map((entry) => [entry.fqdn, entry.state]));
    const workers = this.deps.inventory.members(pool.lvsService, pool.dc).filter((host) => host.kind === 'k8s-worker');
    const pooled = workers.filter((host) => states.get(host.fqdn)?.pooled === 'yes').map((host) => host.fqdn);
    const records = await proofs.records(service, pool);
    const now = this.deps.clock.now();
    for (const [fqdn, record] of records) if (!pooled.includes(fqdn) && !joining(record, now, Math.max(10_000, 2 * settings.intervalMs))) await proofs.left(service, pool, fqdn);
    if (pooled.length === 0) return;
    for (const fqdn of pooled) if (!records.has(fqdn)) await this.adoptOutsider(pool, fqdn);

    const checked = await proofs.check(service, pool, pooled, settings.probeAttempts);
    const suspects = checked.filter((worker) => worker.verdict === 'failing').map((worker) => worker.fqdn);
    const confirmed = await proofs.check(service, pool, suspects, settings.confirmAttempts);
    const failing = new Set(confirmed.filter((worker) => worker.verdict === 'failing').map((worker) => worker.fqdn));
    const depooled: Depooled[] = [];
    for (const worker of confirmed) {
      const result = failing.has(worker.fqdn) ? await this.depoolFailing(pool, worker, states.get(worker.fqdn)) : undefined;
      if (result !== undefined) depooled.push(result);
    }
    await this.report(pool, depooled);
    const news = { proven: [] as CheckedWorker[], inconclusive: [] as CheckedWorker[] };
    for (const worker of checked) {
      const kind = failing.has(worker.fqdn) || suspects.includes(worker.fqdn) ? undefined : await this.newsOf(pool, worker);
      if (kind !== undefined) news[kind].push(worker);
    }
    const where = `${pool.lvsService} (${pool.dc})`;
    for (const kind of ['proven', 'inconclusive'] as const) {
      for (const line of announcementLines(kind, where, formatDuration(this.deps.settings.proveMs), news[kind])) {
        // The same inconclusive reason in the same pool is said once a minute at most: every worker of a wave meets it.
        const quiet = kind === 'inconclusive' && !(await this.deps.state.firstMention(service, `inconclusive:${where}:${line.record.lastCheck?.headline ?? ''}`, Math.max(60_000, 12 * settings.intervalMs)));
        if (!quiet) await this.deps.voice.say(line.record, line.text, kind === 'proven' ? 'progress' : 'result', line.key);
      }
    }
    await this.analyseHealth(pool, pooled);
  }

  /** The workers depooled in this look, in as few lines as read the same, each with its `!log`. */
  private async report(pool: PoolRef, depooled: readonly Depooled[]): Promise<void> {
    for (const line of depoolLines(`${pool.lvsService} (${pool.dc})`, depooled)) {
      await this.deps.voice.say(line.record, line.text, 'error', `${line.key}-${this.deps.clock.now()}`, 'safety');
      if (line.log === undefined) continue;
      await this.deps.voice.log(line.log.records, line.log.what, line.log.why, line.key);
      await this.deps.voice.record(pool, line.log.records, line.text.replace(/^⏪ /, ''));
    }
  }

  /** Pooled, and cutover did not do it: drift. Watched like any other, capacity only once proven. */
  private async adoptOutsider(pool: PoolRef, fqdn: string): Promise<void> {
    const now = this.deps.clock.now();
    let adopted = false;
    const record = await this.deps.proofs.save(this.deps.service, pool, fqdn, (current) => {
      // cutover's own writer recorded it since the records were read: not drift.
      adopted = current === undefined;
      return current ?? { ...newWorkerRecord(fqdn, now), announced: 'outside' };
    });
    if (!adopted) return;
    const proveFor = formatDuration(this.deps.settings.proveMs);
    await this.deps.voice.say(record, `👁 drift: ${short(fqdn)} is pooled in ${pool.lvsService} (${pool.dc}) but cutover did not pool it (confctl or a cookbook?); watching it with real requests, and it is not capacity until it has served them for ${proveFor}`, 'result', `outside-${fqdn}-${now}`);
    await this.deps.voice.audit('guard.drift', `${fqdn} pooled in ${pool.lvsService} (${pool.dc}) outside cutover`);
  }

  /** Depools one failing worker through the writer; what it did is reported with the others of this look. */
  private async depoolFailing(pool: PoolRef, worker: CheckedWorker, seen: PoolState | undefined): Promise<Depooled | undefined> {
    const { voice, service } = this.deps;
    const action = { kind: 'set-pooled' as const, verb: 'depool' as const, service, pool, fqdn: worker.fqdn, changes: { pooled: 'no' as const } };
    const where = `${pool.lvsService} (${pool.dc})`;
    try {
      const result = await this.deps.writer.write({ action, ...(seen === undefined ? {} : { expect: { state: seen } }), onMismatch: 'skip' }, 'guard');
      if (result.outcome !== 'changed') return undefined;
      await voice.audit('guard.depooled', `${worker.fqdn} ${where}: ${worker.summary}`);
      await this.deps.onDepooled?.(pool.dc, worker.fqdn, worker.summary);
      return { worker, before: result.before, after: result.after, arithmetic: result.arithmetic };
    } catch (error) {
      if (!(error instanceof CutoverError) || !error.code.startsWith('safety.')) throw error;
      // Refused for capacity: the broken worker stays, and people must act now.
      if (worker.record.announced === 'failing') return undefined;
      await this.deps.proofs.save(service, pool, worker.fqdn, (current) => (current === undefined ? current : { ...current, announced: 'failing' }));
      await voice.say(worker.record, `🚨 ${short(worker.fqdn)} fails real requests in ${where} and cutover may not depool it: ${error.message} · ${worker.summary}. Repool bare metal now (!${service} emergency-stop does it, bare metal first), then depool the worker.`, 'error', `refused-${worker.fqdn}-${this.deps.clock.now()}`, 'safety');
      await voice.audit('guard.refused', `${worker.fqdn} ${where}: ${error.message}`);
    }
  }

  /**
   * What is new about a worker since the channel last heard of it: proven or inconclusive, each
   * said once and never passed over in silence (recorded here, said with the others of this look).
   */
  private async newsOf(pool: PoolRef, worker: CheckedWorker): Promise<'proven' | 'inconclusive' | undefined> {
    // Serving again after a 🚨 ends that alarm: if it fails again, that failure must be said too.
    const recovered = worker.verdict === 'serving' && worker.record.announced === 'failing';
    const next: WorkerRecord['announced'] = worker.record.provenAt !== undefined ? 'proven' : worker.verdict === 'inconclusive' ? 'inconclusive' : recovered ? 'serving' : undefined;
    if (next === undefined || worker.record.announced === next) return undefined;
    await this.deps.proofs.save(this.deps.service, pool, worker.fqdn, (current) => (current === undefined ? current : { ...current, announced: next }));
    return next === 'serving' ? undefined : next;
  }

  /**
   * Prometheus at the plan's interval, beside the probes: a breach (after failure_limit failed
   * analyses) depools the newest worker, the change most likely to blame; inconclusive is said once.
   */
  private async analyseHealth(pool: PoolRef, pooled: readonly string[]): Promise<void> {
    const { settings, state, service, clock } = this.deps;
    if (this.deps.health === undefined || (await this.deps.planAnalyses?.(pool.dc)) === true) return;
    const key = `${pool.dc}:${pool.lvsService}`;
    const previous = await state.analysis(service, key);
    const now = clock.now();
    if (previous !== undefined && now - previous.at < settings.analysisIntervalMs) return;
    // Prometheus unreachable is inconclusive, said once: it must not end the tick before the other pools are probed.
    const health = await this.deps.health({ dc: pool.dc, lvsService: pool.lvsService }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    const verdict: Verdict = health instanceof Error ? { kind: 'inconclusive', summary: 'no health figures', reasons: [`metrics could not be read: ${health.message}`] } : analyse(health.k8s, health.baseline, settings.analysis);
    const where = `${pool.lvsService} (${pool.dc})`;
    if (verdict.kind === 'pass') return state.setAnalysis(service, key, { at: now, failures: 0, announced: 'pass' });
    if (verdict.kind === 'inconclusive') {
      if (previous?.announced !== 'inconclusive') await this.deps.voice.say(undefined, `❔ guard: health of ${where} is inconclusive (${verdict.reasons.join('; ')}) · ${verdict.summary}; not counted as a pass`, 'result', `health-inconclusive-${key}-${now}`);
      return state.setAnalysis(service, key, { at: now, failures: previous?.failures ?? 0, announced: 'inconclusive' });
    }
    const failures = (previous?.failures ?? 0) + 1;
    await state.setAnalysis(service, key, { at: now, failures, announced: 'fail' });
    if (failures < settings.analysis.failure_limit) {
      await this.deps.voice.say(undefined, `⚠ guard: ${where} failed health check ${failures}/${settings.analysis.failure_limit}: ${verdict.reasons.join('; ')} · ${verdict.summary}`, 'progress', `health-fail-${key}-${now}`);
      return;
    }
    const records = await this.deps.proofs.records(service, pool);
    // Read again: the probes may have depooled a worker earlier in this very tick.
    const states = new Map((await this.deps.pooling.listPool(pool)).map((entry) => [entry.fqdn, entry.state]));
    const newest = pooled.filter((fqdn) => states.get(fqdn)?.pooled === 'yes').sort((a, b) => (records.get(b)?.pooledSince ?? 0) - (records.get(a)?.pooledSince ?? 0))[0];
    if (newest === undefined) return;
    const record = records.get(newest) ?? newWorkerRecord(newest, now);
    const summary = `health breach: ${verdict.reasons.join('; ')} · ${verdict.summary}`;
    await state.setAnalysis(service, key, { at: now, failures: 0, announced: 'fail' });
    const depooled = await this.depoolFailing(pool, { fqdn: newest, record, verdict: 'failing', summary }, states.get(newest));
    await this.report(pool, depooled === undefined ? [] : [depooled]);
  }
}

/**
 * A record cutover's writer made for a worker it is pooling right now (written before the pool
 * write, never checked yet): the pool read of this tick may predate that write, so it stays.
 */
function joining(record: WorkerRecord, now: number, intervalMs: number): boolean {
  return record.lastCheck === undefined && now - record.pooledSince < intervalMs;
}

function short(fqdn: string): string {
  return fqdn.split('.')[0] ?? fqdn;
}
