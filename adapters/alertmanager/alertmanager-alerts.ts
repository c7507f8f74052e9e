import * as z from 'zod';
import type { AlertMatcher, AlertSelector, Alerts, FiringAlert, SilenceReason } from '../../core/ports/alerts.js';
import type { Reachability } from '../../core/ports/integrations.js';
import { CutoverError } from '../../core/errors.js';
import { parseJson } from '../../core/parse-json.js';
import { printable } from '../../core/printable.js';
import { httpProbe } from '../http-probe.js';
import { networkReason } from '../network-reason.js';
import { renderMatcher } from './matchers.js';
import { probeSilenceRisk, SPARE_PROBES } from './probe-guard.js';
import type { AlertmanagerSettings } from './settings.js';

const silenceCreatedSchema = z.object({ silenceID: z.string().min(1) });
const alertsSchema = z.array(
  z.object({
    fingerprint: z.string(),
    startsAt: z.iso.datetime({ offset: true }),
    labels: z.record(z.string(), z.string()),
  }),
);

export interface AlertmanagerAlertsDeps {
  settings: Pick<AlertmanagerSettings, 'url' | 'timeout_ms' | 'instance_name'>;
  now: () => number;
  fetch?: typeof globalThis.fetch;
  /** Every call's reachability, for status (jobs/integration-health.ts). */
  observe?: (outcome: Reachability) => void;
}

/** What every silence the bot makes says it is, as spicerack's say who made them. */
export const SILENCE_CREATOR = 'cutover';

/** Alertmanager's API v2: silences for the hosts the plan takes out, and the service's firing alerts. */
export class AlertmanagerAlerts implements Alerts {
  private readonly base: string;

  constructor(private readonly deps: AlertmanagerAlertsDeps) {
    this.base = `${deps.settings.url.replace(/\/+$/, '')}/api/v2`;
  }

  /** `instance=~"<host>(:.*)?"` as spicerack matches a host's exporters, with probe alerts spared. */
  silenceHost(fqdn: string, why: SilenceReason): Promise<string> {
    const host = this.deps.settings.instance_name === 'short' ? (fqdn.split('.')[0] ?? fqdn) : fqdn;
    return this.silence([{ name: 'instance', value: `${escapeRegex(host)}(:.*)?`, isRegex: true, isEqual: true }, SPARE_PROBES], why);
  }

  /** Any silence goes through here, and one that could cover the service's probe alerts is refused before it is sent. */
  async silence(matchers: readonly AlertMatcher[], why: SilenceReason): Promise<string> {
    const risk = probeSilenceRisk(matchers);
    if (risk !== undefined) throw new CutoverError('input.invalid', `Refused: ${risk}.`);
    const now = this.deps.now();
    if (why.until <= now) throw new CutoverError('input.invalid', 'A silence must end in the future.');
    const comment = [why.reason, `cutover${why.requestId === undefined ? '' : ` request ${why.requestId}`}`, ...(why.task === undefined ? [] : [why.task])].join(' - ');
    const body = { matchers, startsAt: new Date(now).toISOString(), endsAt: new Date(why.until).toISOString(), createdBy: SILENCE_CREATOR, comment };
    const answer = await this.call('POST', '/silences', JSON.stringify(body));
    return this.parse(silenceCreatedSchema, answer, 'POST /silences').silenceID;
  }

  async expire(silenceId: string): Promise<void> {
    const response = await this.request('DELETE', `/silence/${encodeURIComponent(silenceId)}`);
    // 0.25 answers 500 "silence not found" for an id it never had or already forgot: gone either way.
    if (response.status === 500 && response.text.includes('not found')) return;
    this.ok(response, `DELETE /silence/${silenceId}`);
  }

  async firing(selectors: readonly AlertSelector[]): Promise<FiringAlert[]> {
    const byFingerprint = new Map<string, FiringAlert>();
    for (const selector of selectors) {
      const query = new URLSearchParams([...selector.map((matcher): [string, string] => ['filter', renderMatcher(matcher)]), ['active', 'true'], ['silenced', 'false']]);
      const answer = await this.call('GET', `/alerts?${query.toString()}`);
      for (const alert of this.parse(alertsSchema, answer, 'GET /alerts')) {
        byFingerprint.set(alert.fingerprint, { alertname: alert.labels['alertname'] ?? '(no alertname)', labels: alert.labels, startsAt: Date.parse(alert.startsAt) });
      }
    }
    return [...byFingerprint.values()].sort((a, b) => a.alertname.localeCompare(b.alertname) || a.startsAt - b.startsAt);
  }

  /** Whether Alertmanager answers, for status when nothing has asked it anything lately. */
  probe(): Promise<Reachability> {
    return httpProbe(this.deps.fetch ?? globalThis.fetch, `${this.base}/status`, { headers: { Accept: 'application/json' } }, this.deps.settings.timeout_ms);
  }

  private async call(method: string, path: string, body?: string): Promise<string> {
    return this.ok(await this.request(method, path, body), `${method} ${path.split('?')[0] ?? path}`);
  }

  private ok(response: { status: number; text: string }, what: string): string {
    if (response.status >= 200 && response.status < 300) return response.text;
    throw new CutoverError('adapter.command-failed', `Alertmanager refused ${what}: HTTP ${response.status} ${printable(response.text, 200)}`);
  }

  private async request(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    const { timeout_ms: timeoutMs } = this.deps.settings;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await (this.deps.fetch ?? globalThis.fetch)(`${this.base}${path}`, {
        method,
        signal,
        redirect: 'error',
        headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body }),
      });
      const answer = { status: response.status, text: await response.text() };
      this.deps.observe?.(answer.status < 500 ? { ok: true } : { ok: false, error: `answered HTTP ${answer.status}`, unreachable: false });
      return answer;
    } catch (error) {
      this.deps.observe?.({ ok: false, error: signal.aborted ? `no answer within ${timeoutMs} ms` : networkReason(error), unreachable: true });
      if (signal.aborted) throw new CutoverError('adapter.timeout', `Alertmanager did not answer within ${timeoutMs} ms`, { cause: error });
      throw new CutoverError('adapter.unreachable', `Alertmanager at ${this.deps.settings.url} is unreachable: ${networkReason(error)}`, { cause: error });
    }
  }

  private parse<T>(schema: z.ZodType<T>, text: string, what: string): T {
    const parsed = schema.safeParse(parseJson(text));
    if (!parsed.success) throw new CutoverError('adapter.bad-output', `Alertmanager's answer to ${what} is not what API v2 returns (${printable(text, 120)}): ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }
}

/** A host name is literal text inside the instance regex: its dots match only dots. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
