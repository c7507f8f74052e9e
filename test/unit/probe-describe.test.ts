import { describe, expect, it } from 'vitest';
import { describeProbe } from '../../adapters/probes/describe-probe.js';
import { isCutoverError } from '../../core/errors.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('describeProbe', () => {
  it('shows the exact request to a real server: where it connects, SNI, headers and what it expects', () => {
    const description = describeProbe({
      url: 'https://maps.wikimedia.org/osm-intl/6/23/24.png',
      connectTo: { host: '10.64.0.42', port: 6543 },
      expectedNames: ['maps.wikimedia.org', 'kartotherian.discovery.wmnet'],
      ca: PEM,
      timeoutMs: 5000,
    });

    expect(description).toMatchObject({
      kind: 'http',
      connect: { host: '10.64.0.42', port: 6543 },
      sni: 'maps.wikimedia.org',
      request: { method: 'GET', path: '/osm-intl/6/23/24.png', headers: { Host: 'maps.wikimedia.org', Connection: 'close' } },
      expect: { status: 200, contentType: '/^image\\//', minBytes: 1, names: ['maps.wikimedia.org', 'kartotherian.discovery.wmnet'], trust: 'configured CA' },
      timeoutMs: 5000,
    });
    expect(description.summary).toBe(
      'GET https://maps.wikimedia.org/osm-intl/6/23/24.png via 10.64.0.42:6543, expect 200 /^image\\//, certificate must cover maps.wikimedia.org, kartotherian.discovery.wmnet, within 5000 ms',
    );
    expect(description.equivalent).toContain("--connect-to maps.wikimedia.org:443:10.64.0.42:6543 --cacert '<configured CA bundle>'");
    expect(description.equivalent).toMatch(/ https:\/\/maps\.wikimedia\.org\/osm-intl\/6\/23\/24\.png$/);
  });

  it('checks the URL host by default, keeps a non-default port in Host, and says when trust is off', () => {
    const description = describeProbe({ url: 'https://kartotherian.discovery.wmnet:6543/osm-intl/6/23/24.png', rejectUnauthorized: false, timeoutMs: 2000 });

    expect(description.request?.headers.Host).toBe('kartotherian.discovery.wmnet:6543');
    expect(description.expect).toMatchObject({ names: ['kartotherian.discovery.wmnet'], trust: 'not verified' });
    expect(description.equivalent).toContain('--insecure');
  });

  it('sends no SNI and checks no names for plain HTTP', () => {
    const description = describeProbe({ url: 'http://maps1009.eqiad.wmnet:6533/osm-intl/6/23/24.png', timeoutMs: 2000 });

    expect(description.sni).toBeUndefined();
    expect(description.expect).toMatchObject({ names: [], trust: 'not verified' });
  });

  it('describes a TLS probe as the openssl command that does the same', () => {
    const description = describeProbe({ host: '10.2.2.13', port: 6543, servername: 'maps.wikimedia.org', expectedNames: ['maps.wikimedia.org'], ca: PEM, timeoutMs: 3000 });

    expect(description).toMatchObject({ kind: 'tls', connect: { host: '10.2.2.13', port: 6543 }, sni: 'maps.wikimedia.org', expect: { names: ['maps.wikimedia.org'], trust: 'configured CA' } });
    expect(description.request).toBeUndefined();
    expect(description.equivalent).toBe("openssl s_client -brief -connect 10.2.2.13:6543 -servername maps.wikimedia.org -verify_return_error -CAfile '<configured CA bundle>'");
  });

  it('refuses what the probe itself would refuse', () => {
    for (const bad of [
      { url: 'https://user:pw@maps.wikimedia.org/', timeoutMs: 1000 },
      { url: 'javascript:alert(1)', timeoutMs: 1000 },
      { url: 'https://maps.wikimedia.org/', timeoutMs: 1000, connectTo: { host: 'a b', port: 1 } },
      { host: '10.2.2.13', port: 70000, expectedNames: [], timeoutMs: 1000 },
      { host: '10.2.2.13', port: 443, expectedNames: ['maps.wikimedia.org;rm'], timeoutMs: 1000 },
    ]) {
      let caught: unknown;
      try {
        describeProbe(bad);
      } catch (error) {
        caught = error;
      }
      expect(isCutoverError(caught, 'input.invalid'), JSON.stringify(bad)).toBe(true);
    }
  });
});
