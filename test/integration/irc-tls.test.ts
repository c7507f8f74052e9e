import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIrcTransport } from '../../bot/irc/create-irc-transport.js';
import type { IrcLogLevel } from '../../bot/irc/irc-log.js';
import type { IrcTransport } from '../../bot/irc/irc-transport.js';
import type { Config, IrcTransportConfig } from '../../config/schema.js';
import { loadShippedConfig } from '../helpers/config.js';
import { startInspircd, type Inspircd } from '../helpers/inspircd.js';
import { removeCertificates, selfSigned, type SelfSigned } from '../helpers/irc-certs.js';

async function eventually(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('IRC over TLS against InspIRCd (ssl_gnutls) with a self-signed certificate', () => {
  let ircd: Inspircd;
  let config: Config;
  let cert: SelfSigned;
  const transports: IrcTransport[] = [];

  beforeAll(async () => {
    config = await loadShippedConfig();
    cert = await selfSigned('irc.test.local');
    ircd = await startInspircd({ tls: cert });
  });

  afterAll(async () => {
    await Promise.all(transports.map((transport) => transport.stop()));
    await ircd?.dispose();
    await removeCertificates();
  });

  function connect(extra: Partial<IrcTransportConfig>, logs: Array<[IrcLogLevel, string]>): IrcTransport {
    const settings: IrcTransportConfig = {
      enabled: true,
      network: 'test',
      host: '127.0.0.1',
      port: ircd.tlsPort ?? 0,
      tls: true,
      tls_verify: true,
      nick: `tls${transports.length}`,
      channels: ['#ops'],
      trust_nicks: true,
      outbox: { burst: 4, lines_per_second: 1, max_line_bytes: 350, max_queued_lines: 500 },
      reconnect: { min_seconds: 0.2, max_seconds: 1 },
      ...extra,
    };
    const transport = createIrcTransport(settings, { redisUrl: '', logLevel: 'silent' }, config, (level, message) => logs.push([level, message]));
    transports.push(transport);
    return transport;
  }

  it('connects when ca_file trusts the server certificate, with verification on', async () => {
    const logs: Array<[IrcLogLevel, string]> = [];
    const transport = connect({ ca_file: cert.certFile }, logs);
    await transport.start(async () => undefined);
    await eventually(() => transport.status().joined.includes('#ops'), `TLS registration; log:\n${logs.map(([, m]) => m).join('\n')}`);
    expect(logs.filter(([level]) => level === 'warn' || level === 'error')).toEqual([]);
  });

  it('refuses the same server when nothing trusts its certificate, and keeps retrying', async () => {
    const logs: Array<[IrcLogLevel, string]> = [];
    const transport = connect({}, logs);
    await transport.start(async () => undefined);
    await eventually(() => logs.filter(([, message]) => /IRC connection lost/.test(message)).length >= 2, 'two failed attempts');
    expect(transport.status().state).not.toBe('registered');
    expect(logs.find(([, message]) => /IRC connection lost/.test(message))?.[1]).toMatch(/self[- ]signed certificate/);
  });

  it('trusting a different certificate does not help, and tls_verify: false (test networks only) skips the check', async () => {
    const other = await selfSigned('elsewhere');
    const refusedLogs: Array<[IrcLogLevel, string]> = [];
    const refused = connect({ ca_file: other.certFile }, refusedLogs);
    const unverified = connect({ tls_verify: false }, []);
    await Promise.all([refused.start(async () => undefined), unverified.start(async () => undefined)]);
    await eventually(() => unverified.status().joined.includes('#ops'), 'unverified TLS registration');
    await eventually(() => refusedLogs.some(([, message]) => /IRC connection lost/.test(message)), 'a refused attempt');
    expect(refused.status().state).not.toBe('registered');
  });
});
