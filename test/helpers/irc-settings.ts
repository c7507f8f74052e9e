import type { IrcTransportConfig } from '../../config/schema.js';
import type { Inspircd } from './inspircd.js';

/**
 * IRC settings for a test InspIRCd. Disabled in the config because the test hands the transport
 * to startBot itself (a second one built from the config would join with the same nick); nicks
 * are trusted because a server without services has no accounts.
 */
export function testIrcSettings(ircd: Inspircd, channel: string, overrides: Partial<IrcTransportConfig> = {}): IrcTransportConfig {
  return {
    enabled: false,
    network: 'test',
    host: ircd.host,
    port: ircd.port,
    tls: false,
    tls_verify: true,
    nick: 'cutover',
    channels: [channel],
    trust_nicks: true,
    outbox: { burst: 4, lines_per_second: 1, max_line_bytes: 350, max_queued_lines: 500 },
    reconnect: { min_seconds: 1, max_seconds: 10 },
    ...overrides,
  };
}
