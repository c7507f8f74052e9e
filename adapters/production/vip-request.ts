import { CutoverError } from '../../core/errors.js';
import type { Inventory } from '../../core/inventory.js';
import type { VipPathRequest } from '../probes/vip-path.js';
import type { ProductionSettings } from './settings.js';

/**
 * The VIP path probe as users' traffic makes it: the public URL (its Host and SNI), the DC's
 * VIP on the LVS service's port, the names the certificate must cover, and the Puppet CA.
 */
export function vipProbeRequest(settings: ProductionSettings, inventory: Inventory, dc: string, lvsService: string): Omit<VipPathRequest, 'realServers'> {
  const probes = settings.probes;
  const vip = probes.vips[dc];
  if (vip === undefined) throw new CutoverError('config.invalid', `backends.production.probes.vips has no VIP for ${dc}`);
  return {
    url: probes.public_url,
    vip: { host: vip, port: inventory.lvsService(lvsService).port, name: `${lvsService} VIP` },
    expectedNames: probes.expected_names,
    timeoutMs: probes.timeout_ms,
    vipAttempts: probes.vip_attempts,
    ...(probes.ca === undefined ? {} : { ca: probes.ca }),
  };
}
