import type { Inventory } from '../../core/inventory.js';
import type { Check } from '../../core/plan/plan-schema.js';
import type { CheckContext, CheckOutcome } from '../../core/ports/plan-effects.js';
import type { HealthReader } from '../metrics/health-reader.js';
import { settle, settleWindow } from './settle.js';

type TrafficMoved = Extract<Check, { check: 'traffic-moved' }>;

/**
 * The CDN now fetches from `to`, and `from` has drained. No per-LVS-service request rate exists
 * for bare metal, so IPVS's active connections on each service's port are what production has.
 * ATS keeps idle origin connections after a reload, so the counts are read again until `from`
 * has drained or settle_seconds (plan time) have passed.
 */
export async function checkTrafficMoved(
  deps: { inventory: Inventory; health: Pick<HealthReader, 'lvsConnections'>; sleep?: (ms: number) => Promise<void> },
  dc: string,
  check: TrafficMoved,
  context: CheckContext,
): Promise<CheckOutcome> {
  const scaled = context.planMs ?? ((seconds: number) => seconds * 1000);
  const connections = (lvsService: string) => deps.health.lvsConnections({ dc, lvs_service: lvsService, port: deps.inventory.lvsService(lvsService).port });
  const read = async (): Promise<CheckOutcome> => {
    const [to, from] = await Promise.all([connections(check.to), connections(check.from)]);
    if (to.kind === 'no-data') return { ok: false, inconclusive: true, summary: `no IPVS connection count for ${check.to} (${to.reason})` };
    const leftOnFrom = from.kind === 'value' ? from.value : 0;
    const ok = to.value > 0 && leftOnFrom < to.value * 0.01;
    return { ok, summary: `${check.to}: ${to.value.toFixed(0)} active connections, ${check.from}: ${leftOnFrom.toFixed(0)} (IPVS on the LVS hosts)` };
  };
  const outcome = await settle(read, { withinMs: settleWindow(check.settle_seconds, scaled), everyMs: Math.max(scaled(5), 500), mayChange: (result) => !result.ok, ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }) });
  return outcome.ok || outcome.inconclusive === true ? outcome : { ...outcome, summary: `${outcome.summary}; not drained within ${check.settle_seconds} s (plan time)` };
}
