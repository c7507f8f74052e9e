import { isIP } from 'node:net';

export interface NameCheck {
  ok: boolean;
  /** Expected names no SAN covers. */
  missing: string[];
}

/**
 * Whether a certificate's SANs cover every expected name. Only SANs count: RFC 6125 and every
 * browser ignore the subject CN once SANs exist, and a certificate without SANs covers nothing.
 */
export function checkCertificateNames(sans: readonly string[], expectedNames: readonly string[]): NameCheck {
  const missing = expectedNames.filter((name) => !sans.some((san) => sanCovers(san, name)));
  return { ok: missing.length === 0, missing };
}

/**
 * RFC 6125 §6.4.3 matching, on the strict side of what the RFC allows (as the CA/Browser forum
 * requires): a wildcard is the whole leftmost label, stands for exactly one non-empty label, and
 * needs at least two labels after it, so `*.wikimedia.org` covers maps.wikimedia.org but not
 * wikimedia.org, a.b.wikimedia.org, or anything for `*.org`. Partial wildcards (`m*.example.org`)
 * match nothing. IP addresses only ever match an IP SAN exactly.
 */
export function sanCovers(san: string, name: string): boolean {
  const pattern = normalise(san);
  const host = normalise(name);
  if (pattern === '' || host === '') return false;
  if (isIP(host) !== 0 || isIP(pattern) !== 0) return canonicalIp(pattern) === canonicalIp(host);
  if (!pattern.includes('*')) return pattern === host;
  const [first, ...rest] = pattern.split('.');
  if (first !== '*' || rest.length < 2 || rest.some((label) => label.includes('*') || label === '')) return false;
  const [hostFirst, ...hostRest] = host.split('.');
  // An IDNA A-label stands for a whole Unicode label; a wildcard must not match half of one.
  if (hostFirst === undefined || hostFirst === '' || hostFirst.startsWith('xn--')) return false;
  return hostRest.join('.') === rest.join('.');
}

/** Node prints IPv6 SANs in full (0:0:0:0:0:0:0:1); compare the compressed forms. */
function canonicalIp(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname : address;
}

function normalise(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * The DNS and IP entries of node's `subjectaltname` string ("DNS:a, DNS:b, IP Address:10.0.0.1").
 * Node quotes a value that contains a comma or a quote (CVE-2021-44532), so those are unquoted
 * rather than split.
 */
export function parseSubjectAltName(subjectaltname: string | undefined): string[] {
  if (subjectaltname === undefined || subjectaltname === '') return [];
  const names: string[] = [];
  const entry = /(DNS|IP Address|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const match of subjectaltname.matchAll(entry)) {
    const [, kind, raw = ''] = match;
    if (kind !== 'DNS' && kind !== 'IP Address') continue;
    names.push(raw.startsWith('"') ? unquote(raw) : raw);
  }
  return names;
}

function unquote(raw: string): string {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'string' ? value : raw;
  } catch {
    return raw;
  }
}
