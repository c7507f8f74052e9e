import { describe, expect, it } from 'vitest';
import { checkCertificateNames, parseSubjectAltName, sanCovers } from '../../adapters/probes/cert-names.js';

describe('sanCovers', () => {
  it.each([
    ['maps.wikimedia.org', 'maps.wikimedia.org'],
    ['MAPS.Wikimedia.org', 'maps.wikimedia.org'],
    ['maps.wikimedia.org.', 'maps.wikimedia.org'],
    ['*.wikimedia.org', 'maps.wikimedia.org'],
    ['*.discovery.wmnet', 'kartotherian.discovery.wmnet'],
    ['127.0.0.1', '127.0.0.1'],
    ['0:0:0:0:0:0:0:1', '::1'],
  ])('%s covers %s', (san, name) => {
    expect(sanCovers(san, name)).toBe(true);
  });

  it.each([
    ['maps.wikimedia.org', 'maps2.wikimedia.org'],
    // A wildcard is one label: not the parent, not two levels down.
    ['*.wikimedia.org', 'wikimedia.org'],
    ['*.wikimedia.org', 'a.maps.wikimedia.org'],
    // Too broad to honour.
    ['*.org', 'wikimedia.org'],
    ['*.wmnet', 'discovery.wmnet'],
    // Partial and non-leftmost wildcards match nothing.
    ['m*.wikimedia.org', 'maps.wikimedia.org'],
    ['maps.*.org', 'maps.wikimedia.org'],
    ['*.*.wmnet', 'kartotherian.discovery.wmnet'],
    // Never half an IDNA label, never an IP.
    ['*.wikimedia.org', 'xn--mps-qla.wikimedia.org'],
    ['*.0.0.1', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.2'],
    ['', 'maps.wikimedia.org'],
  ])('%s does not cover %s', (san, name) => {
    expect(sanCovers(san, name)).toBe(false);
  });
});

describe('checkCertificateNames', () => {
  it('lists every expected name no SAN covers', () => {
    expect(checkCertificateNames(['kartotherian.discovery.wmnet', '*.svc.eqiad.wmnet'], ['maps.wikimedia.org', 'kartotherian.discovery.wmnet', 'kartotherian.svc.eqiad.wmnet'])).toEqual({
      ok: false,
      missing: ['maps.wikimedia.org'],
    });
  });

  it('passes when nothing is expected, and fails everything for a certificate without SANs', () => {
    expect(checkCertificateNames([], [])).toEqual({ ok: true, missing: [] });
    expect(checkCertificateNames([], ['maps.wikimedia.org']).ok).toBe(false);
  });
});

describe('parseSubjectAltName', () => {
  it('keeps DNS and IP entries and drops the rest', () => {
    expect(parseSubjectAltName('DNS:maps.wikimedia.org, DNS:*.discovery.wmnet, IP Address:10.2.2.13, URI:spiffe://x, email:a@b')).toEqual([
      'maps.wikimedia.org',
      '*.discovery.wmnet',
      '10.2.2.13',
    ]);
  });

  it('unquotes a value node quoted because it held a comma, instead of splitting it', () => {
    expect(parseSubjectAltName('DNS:"evil.org, DNS:maps.wikimedia.org", DNS:ok.org')).toEqual(['evil.org, DNS:maps.wikimedia.org', 'ok.org']);
  });

  it('returns nothing for a certificate without SANs', () => {
    expect(parseSubjectAltName(undefined)).toEqual([]);
    expect(parseSubjectAltName('')).toEqual([]);
  });
});
