import type { CertificateAuthority, CertificateFiles } from '../servers/lab-ca.js';
import type { LabHost, LabTopology } from '../topology.js';

export interface HostCertificates {
  /** What nginx tlsproxy::localssl and the mesh serve: the public, discovery and svc names and the host's own. */
  right: CertificateFiles;
  /** The 2025-02-19 fault: a certificate from the same CA holding only the host's own name. */
  wrong: CertificateFiles;
}

/** The names production's certificates hold for a host (wikimedia-ops.md §4, extraFQDNs in §5). */
export function publicNames(topology: LabTopology, host: LabHost): string[] {
  return [topology.publicName, `${topology.service}.discovery.wmnet`, `${topology.service}.svc.${host.dc}.wmnet`, host.fqdn];
}

export async function issueHostCertificates(ca: CertificateAuthority, topology: LabTopology, host: LabHost): Promise<HostCertificates> {
  const label = host.fqdn.replaceAll('.', '-');
  return { right: await ca.issue(label, publicNames(topology, host)), wrong: await ca.issue(`${label}-wrong`, [host.fqdn]) };
}
