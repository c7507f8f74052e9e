import type { ServiceConfig } from '../config/schema.js';
import { CutoverError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { own } from '../core/own.js';
import type { CommandContext } from './spec.js';

/** The service a service-scoped command runs against; the dispatcher guarantees it exists. */
export function serviceOf(context: CommandContext): { name: string; settings: ServiceConfig; inventory: Inventory } {
  const name = context.service;
  const settings = name === undefined ? undefined : own(context.config.services, name);
  const inventory = name === undefined ? undefined : context.inventories.get(name);
  if (name === undefined || settings === undefined || inventory === undefined) {
    throw new CutoverError('input.invalid', 'This command needs a service: !<service> <command>.');
  }
  return { name, settings, inventory };
}
