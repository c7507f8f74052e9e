import { salSigner } from '../../core/identity.js';
import { conftoolPath } from '../../core/actions.js';
import type { PoolState } from '../../core/pool-state.js';
import { pushTo } from '../../core/push-to.js';
import type { ChangeRequest } from '../../core/requests.js';
import { salPoolLines, type PoolChange } from '../../core/sal-pool-lines.js';
import type { PoolWriter } from '../pool-writer.js';
import type { ExecutionResult } from '../run-set-pooled.js';
import type { HostSilences } from './host-silences.js';
import type { PlanContext } from './plan-context.js';
import type { PlanNarration } from './plan-narration.js';
import { describeOperation, type Operation } from './step-operations.js';

export interface EmergencyStopDeps {
  context: PlanContext;
  narration: Pick<PlanNarration, 'sal' | 'audit'>;
  writer: Pick<PoolWriter, 'write'>;
  silences: Pick<HostSilences, 'expire'>;
}

type SetPooled = Extract<Operation, { kind: 'set-pooled' }>;

/**
 * Back to bare metal in every DC of the plan, whatever step it is at: bare metal is repooled
 * first, so capacity only ever grows before any worker leaves.
 */
export class EmergencyStop {
  constructor(private readonly deps: EmergencyStopDeps) {}

  /** The writes a stop would make now, bare metal first. */
  async operations(): Promise<SetPooled[]> {
    const { context } = this.deps;
    const { inventory } = context;
    const repool: SetPooled[] = [];
    const depool: SetPooled[] = [];
    for (const dc of context.plan.datacenters) {
      for (const lvsService of inventory.workerLvsServices) {
        const pool = inventory.pool(lvsService, dc);
        const states = new Map((await context.pooling.listPool(pool)).map((entry) => [entry.fqdn, entry.state]));
        for (const host of inventory.members(lvsService, dc)) {
          const state = states.get(host.fqdn);
          if (state === undefined) continue;
          const path = conftoolPath(pool, host.fqdn);
          if (host.kind === 'bare-metal' && state.pooled !== 'yes') {
            const to: PoolState = { pooled: 'yes', weight: state.weight > 0 ? state.weight : context.defaultWeight() };
            repool.push({ kind: 'set-pooled', path, from: state, to, action: { kind: 'set-pooled', verb: 'pool', service: context.service, pool, fqdn: host.fqdn, changes: to } });
          } else if (host.kind === 'k8s-worker' && state.pooled === 'yes') {
            depool.push({ kind: 'set-pooled', path, from: state, to: { ...state, pooled: 'no' }, action: { kind: 'set-pooled', verb: 'depool', service: context.service, pool, fqdn: host.fqdn, changes: { pooled: 'no' } } });
          }
        }
      }
    }
    return [...repool, ...depool];
  }

  /** The writes a stop would make now, as the approver and `--dry-run` read them. */
  async lines(): Promise<string[]> {
    return (await this.operations()).flatMap((op) => describeOperation(op, this.deps.context.effects));
  }

  /** Runs an emergency-stop request: the plan stops first, so nothing it had scheduled acts after. */
  async run(request: ChangeRequest): Promise<ExecutionResult> {
    const { context, narration } = this.deps;
    await context.update((current) => {
      const { soak: _soak, pause: _pause, ...rest } = current;
      return { ...rest, phase: 'stopped', updatedAt: context.now() };
    });
    const ops = await this.operations();
    const written: string[] = [];
    const changesByDc = new Map<string, PoolChange[]>();
    const repooled: string[] = [];
    let allWritten = false;
    try {
      for (const op of ops) {
        // Exempt from "bare metal leaves only for proven workers": it puts bare metal back first.
        const result = await this.deps.writer.write({ action: op.action }, 'emergency-stop');
        if (op.action.verb === 'pool') repooled.push(op.action.fqdn);
        if (result.outcome !== 'changed') continue;
        written.push(`${op.action.verb} ${op.action.fqdn.split('.')[0]}`);
        pushTo(changesByDc, op.action.pool.dc, { fqdn: op.action.fqdn, lvsService: op.action.pool.lvsService, from: op.from, to: op.to });
      }
      allWritten = true;
    } finally {
      // Bare metal serves again: its alerts must page. Stopped half-way, only the hosts put back are unsilenced.
      await this.deps.silences.expire(allWritten ? 'all' : repooled, `emergency stop: ${request.reason}`);
      // Also when a write fails half-way: what was written is logged.
      for (const [dc, changes] of changesByDc) {
        for (const line of salPoolLines(changes, dc)) await narration.sal(`${line} - emergency stop: ${request.reason} - ${salSigner(request.requester)}`);
      }
    }
    const { person, display, transport, channel } = request.requester;
    await narration.audit({ person, display, transport, channel }, 'plan.emergency-stop', written.join(', '));
    const done = written.length === 0 ? 'nothing to change' : written.join(', ');
    return { state: written.length === 0 ? 'noop' : 'succeeded', outcome: `emergency stop done, verified: ${done}. The plan is stopped.`, auditDetail: written.join(', ') };
  }
}
