import { createHash } from 'node:crypto';

/** The alphabet Kubernetes draws generated name parts from (no vowels, no look-alikes). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function word(seed: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest();
  return Array.from(digest.subarray(0, length), (byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

/**
 * A Deployment's pod name, `<service>-<release>-<replicaset hash>-<suffix>`: the hash changes with
 * each revision (a new ReplicaSet), the suffix per pod. Derived, so it is stable for a revision.
 */
export function podName(service: string, release: string, env: string, revision: number, node: string): string {
  return `${service}-${release}-${word(`${env}/${revision}`, 10)}-${word(`${env}/${revision}/${node}`, 5)}`;
}
