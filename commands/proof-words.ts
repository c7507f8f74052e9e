import { formatDuration } from '../core/durations.js';
import { foldHosts } from '../core/nodeset.js';
import { pushTo } from '../core/push-to.js';
import type { WorkerProofStatus } from '../core/ports/watch.js';

/**
 * A pooled worker's proof in a few words with its numbers, for `status` and the status page:
 * `✓ proven`, `serving 40s of 5m`, `✖ failing: probes 0/2 (503 ×2)`,
 * `❔ inconclusive: k8s traffic 0.0 req/s under the floor of 1 req/s`.
 */
export function proofWords(worker: WorkerProofStatus): string {
  const { proof } = worker;
  switch (proof.kind) {
    case 'proven':
      return '✓ proven';
    case 'serving':
      return `serving ${formatDuration(worker.servedMs ?? 0)} of ${formatDuration(worker.proveMs)}`;
    case 'failing':
      return `✖ failing: ${proof.headline ?? proof.summary}`;
    case 'inconclusive':
      return `❔ inconclusive: ${proof.headline ?? proof.summary}`;
    case 'unchecked':
      return '… not checked with real requests yet';
  }
}

/**
 * Workers whose words are the same share them, folded: `wikikube-worker[1001-1004] ✖ failing:
 * probes 0/2 (503 ×2)`. Serving workers fold into one range (`serving 3s–4s of 5m`): workers
 * pooled a second apart would otherwise cost a segment each.
 */
export function proofsText(workers: readonly WorkerProofStatus[]): string {
  const groups = new Map<string, WorkerProofStatus[]>();
  for (const worker of workers) pushTo(groups, worker.proof.kind === 'serving' ? 'serving' : proofWords(worker), worker);
  return [...groups]
    .map(([words, members]) => `${foldHosts(members.map((member) => shortName(member.fqdn)))} ${words === 'serving' ? servingRange(members) : words}`)
    .join('; ');
}

function servingRange(workers: readonly WorkerProofStatus[]): string {
  const served = workers.map((worker) => worker.servedMs ?? 0);
  const low = formatDuration(Math.min(...served));
  const high = formatDuration(Math.max(...served));
  return `serving ${low === high ? low : `${low}–${high}`} of ${formatDuration(workers[0]?.proveMs ?? 0)}`;
}

function shortName(fqdn: string): string {
  return fqdn.split('.')[0] ?? fqdn;
}
