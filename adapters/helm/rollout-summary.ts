import { printable } from '../../core/printable.js';
import type { RolloutStatus } from './helm-deployer.js';

const SHOWN_PODS = 3;

/**
 * One chat line for a rollout: ready out of desired, whether kubectl saw it finish, and the
 * first few pods that are not ready with their reason, the thing a person would look at next.
 */
export function formatRolloutStatus(status: RolloutStatus): string {
  const head = `${status.env} ${status.namespace}/${status.deployment}: ${status.ready}/${status.desired} ready, ${status.updated} updated`;
  const verdict = status.rolledOut ? 'rolled out' : `not rolled out (${printable(status.message, 120)})`;
  const pods = status.notReady.slice(0, SHOWN_PODS).map((pod) => `${printable(pod.pod, 63)} ${printable(pod.reason, 60)}${pod.restarts > 0 ? `, ${pod.restarts} restarts` : ''}`);
  const more = status.notReady.length > SHOWN_PODS ? ` and ${status.notReady.length - SHOWN_PODS} more` : '';
  const terminating = status.terminating > 0 ? `; ${status.terminating} terminating` : '';
  return `${head}, ${verdict}${terminating}${pods.length > 0 ? `; not ready: ${pods.join('; ')}${more}` : ''}`;
}
