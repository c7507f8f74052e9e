import { checkCertificateNames } from './cert-names.js';
import type { TlsDetails } from './open-connection.js';
import type { ProbeFailure } from './prober.js';

export interface TlsVerdict {
  trusted: boolean;
  namesOk: boolean;
  missingNames: string[];
  /** The first reason not to send a request over this connection, trust before names. */
  failure?: ProbeFailure;
}

/**
 * Trust and names are separate questions with separate codes: an untrusted chain is `tls`
 * (someone else's certificate, or a missing CA), a trusted certificate that lacks a name is
 * `names` (pitfall 6: mesh certificates that do not cover maps.wikimedia.org).
 */
export function tlsVerdict(tls: TlsDetails, expectedNames: readonly string[], rejectUnauthorized: boolean, target: string): TlsVerdict {
  const names = checkCertificateNames(tls.certificate?.sans ?? [], expectedNames);
  const verdict = { trusted: tls.authorized, namesOk: names.ok, missingNames: names.missing };
  if (tls.certificate === undefined) {
    return { ...verdict, failure: { code: 'tls', message: `${target} sent no certificate` } };
  }
  if (rejectUnauthorized && !tls.authorized) {
    const why = tls.authorizationError ?? 'unknown verification error';
    return { ...verdict, failure: { code: 'tls', message: `certificate of ${target} is not trusted (${why}; issuer ${tls.certificate.issuer})` } };
  }
  if (!names.ok) {
    const has = tls.certificate.sans.length === 0 ? 'no SANs' : `SANs ${tls.certificate.sans.join(', ')}`;
    return { ...verdict, failure: { code: 'names', message: `certificate of ${target} does not cover ${names.missing.join(', ')} (${has})` } };
  }
  return verdict;
}
