import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { Inventory } from '../../core/inventory.js';

/** The config `npm start` runs: config/kartotherian.yaml, parsed and validated. */
export function loadShippedConfig(): Promise<Config> {
  return loadConfig();
}

/** One Inventory per configured service, built the way bot/main.ts builds them. */
export function shippedInventories(config: Config): Map<string, Inventory> {
  return new Map(Object.entries(config.services).map(([name, service]) => [name, new Inventory(name, service)]));
}
