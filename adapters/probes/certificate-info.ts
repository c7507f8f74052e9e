import type { PeerCertificate } from 'node:tls';
import { parseSubjectAltName } from './cert-names.js';
import type { CertificateInfo } from './prober.js';

/** The parts of a peer certificate the channel and the name check need, as plain data. */
export function certificateInfo(peer: PeerCertificate): CertificateInfo | undefined {
  // Node hands back {} when the server sent no certificate.
  if (peer.raw === undefined) return undefined;
  return {
    subject: distinguishedName(peer.subject),
    issuer: distinguishedName(peer.issuer),
    sans: parseSubjectAltName(peer.subjectaltname),
    notBefore: isoDate(peer.valid_from),
    notAfter: isoDate(peer.valid_to),
    fingerprint256: peer.fingerprint256,
  };
}

function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (name === undefined) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

function isoDate(openssl: string): string {
  const parsed = new Date(openssl);
  return Number.isNaN(parsed.getTime()) ? openssl : parsed.toISOString();
}
