import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { configSchema } from '../../config/schema.js';
import { parseResolveEntry, resolveEntriesSchema } from '../../adapters/probes/resolve-map.js';
import { loadShippedConfig } from '../helpers/config.js';

function errors(entries: unknown): string[] {
  const parsed = resolveEntriesSchema.safeParse(entries);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('network.resolve entries (curl --resolve syntax)', () => {
  it('accepts HOST:PORT:ADDR, * for any port, several addresses and IPv6 in brackets', () => {
    expect(parseResolveEntry('maps1005.eqiad.wmnet:443:127.20.1.1')).toEqual({ host: 'maps1005.eqiad.wmnet', port: 443, addresses: ['127.20.1.1'] });
    expect(parseResolveEntry('LVS1019.eqiad.wmnet:*:127.20.3.1')).toEqual({ host: 'lvs1019.eqiad.wmnet', port: null, addresses: ['127.20.3.1'] });
    expect(parseResolveEntry('cp1075.eqiad.wmnet:6543:[::1],127.0.0.1')).toEqual({ host: 'cp1075.eqiad.wmnet', port: 6543, addresses: ['::1', '127.0.0.1'] });
  });

  it('refuses what curl would refuse, naming the entry and what is wrong with it', () => {
    expect(errors(['maps1005.eqiad.wmnet:443'])).toEqual(['0: "maps1005.eqiad.wmnet:443" is not HOST:PORT:ADDR (e.g. maps1005.eqiad.wmnet:443:127.20.1.1, or * as the port for any port)']);
    expect(errors(['ok.example:1:127.0.0.1', 'maps1005.eqiad.wmnet:99999:127.0.0.1'])).toEqual(['1: "maps1005.eqiad.wmnet:99999:127.0.0.1": the port "99999" is not 1-65535 or *']);
    expect(errors(['maps1005.eqiad.wmnet:443:maps1006'])).toEqual(['0: "maps1005.eqiad.wmnet:443:maps1006": "maps1006" is not an IP address']);
    expect(errors(['maps1005.eqiad.wmnet:443:[::1'])).toEqual(['0: "maps1005.eqiad.wmnet:443:[::1": "[::1" is not an IP address (write IPv6 in brackets, [::1])']);
    expect(errors([':443:127.0.0.1'])).toEqual(['0: ":443:127.0.0.1": the host is empty']);
    expect(errors(['a.b:*:127.0.0.1', 'A.b:*:127.0.0.2'])).toEqual(['1: a.b:* is given twice']);
  });

  it('is optional in the config, and a bad entry is refused with its path', async () => {
    const shipped = await loadShippedConfig();
    expect(shipped.network.resolve).toEqual([]);
    const { readFile } = await import('node:fs/promises');
    const { parse } = await import('yaml');
    const raw = parse(await readFile(new URL('../../config/kartotherian.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
    const good = configSchema.safeParse({ ...raw, network: { resolve: ['maps1005.eqiad.wmnet:443:127.20.1.1'] } });
    expect(good.success && good.data.network.resolve).toEqual([{ host: 'maps1005.eqiad.wmnet', port: 443, addresses: ['127.20.1.1'] }]);
    const bad = configSchema.safeParse({ ...raw, network: { resolve: ['maps1005.eqiad.wmnet:https:127.20.1.1'] } });
    expect(bad.success).toBe(false);
    if (!bad.success) expect(z.prettifyError(bad.error)).toContain('→ at network.resolve[0]');
  });
});
