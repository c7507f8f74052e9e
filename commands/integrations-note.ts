import { integrationsWarning } from '../core/integration-words.js';
import type { IntegrationsView } from '../core/ports/integrations.js';
import { printable } from '../core/printable.js';

/**
 * status's line about the integrations (Alertmanager, Phabricator, Grafana, the cookbook locks'
 * etcd), only when one is configured and something is wrong with it: none, or one line.
 */
export async function integrationsNote(view: IntegrationsView | undefined): Promise<string[]> {
  if (view === undefined) return [];
  try {
    const warning = integrationsWarning(await view.statuses());
    return warning === undefined ? [] : [warning];
  } catch (error) {
    return [`⚠ integrations: could not be read (${printable(error instanceof Error ? error.message : String(error), 80)})`];
  }
}
