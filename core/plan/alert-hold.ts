import type { FiringAlert } from '../ports/alerts.js';

const NAMED = 5;

/**
 * Alerts firing for the service hold the plan: the blocker, naming them, or undefined when none
 * fire. Said once here so the pause, `plan`'s blocker and a refused `next` name them alike.
 */
export function alertHold(service: string, firing: readonly FiringAlert[]): string | undefined {
  if (firing.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const alert of firing) counts.set(alert.alertname, (counts.get(alert.alertname) ?? 0) + 1);
  const names = [...counts].map(([name, count]) => (count > 1 ? `${name} ×${count}` : name));
  const shown = names.length > NAMED ? [...names.slice(0, NAMED), `${names.length - NAMED} more`] : names;
  return `${firing.length === 1 ? 'an alert' : `${firing.length} alerts`} firing for ${service}: ${shown.join(', ')}`;
}
