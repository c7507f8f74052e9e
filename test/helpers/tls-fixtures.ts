import { createCertificateAuthority, type CertificateAuthority } from '../../lab/servers/lab-ca.js';

export type { CertificateFiles } from '../../lab/servers/lab-ca.js';

/** The lab's CA (lab/servers/lab-ca.ts) under the tests' name. */
export type TlsFixtures = CertificateAuthority;

/** A throwaway CA in a temp directory; see lab/servers/lab-ca.ts. */
export function createTlsFixtures(): Promise<TlsFixtures> {
  return createCertificateAuthority();
}
