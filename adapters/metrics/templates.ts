import { CutoverError } from '../../core/errors.js';
import { printable } from '../../core/printable.js';

/**
 * What a PromQL template may ask for, and the only shapes each value may take. Values come from
 * chat (a DC, a window) or from config (a service's labels), so none may carry a quote,
 * a brace, a bracket or a space: with these rules no value can close a label matcher or a range
 * and write PromQL of its own.
 */
const VALUE_RULES = {
  dc: { pattern: /^[a-z][a-z0-9-]{0,62}$/, shape: 'a lowercase slug like eqiad' },
  lvs_service: { pattern: /^[a-z][a-z0-9-]{0,62}$/, shape: 'a lowercase slug like thumbor-ssl' },
  window: { pattern: /^[1-9][0-9]{0,5}(ms|s|m|h|d)$/, shape: 'a Prometheus duration like 5m or 30s' },
  // The service's own label values (metrics.labels), so one template serves every service.
  namespace: { pattern: /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, shape: 'a Kubernetes namespace' },
  cluster: { pattern: /^[a-z][a-z0-9_-]{0,62}$/, shape: 'a cluster label like thumbor' },
  service: { pattern: /^[a-z][a-z0-9_-]{0,62}$/, shape: 'a service label like thumbor' },
  discovery: { pattern: /^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))+$/, shape: 'a host name like thumbor.discovery.wmnet' },
  /** An LVS service's port, as IPVS's local_port label carries it. */
  port: { pattern: /^[1-9][0-9]{0,4}$/, shape: 'a port number like 6543' },
  /**
   * The workers' addresses as a regex alternation for IPVS's remote_address, dots escaped for
   * PromQL (`10\\.64\\.0\\.1|…`, see workerAddressPattern). Every alternative ends in a digit
   * or hex letter, so no value can end in a backslash and escape the closing quote.
   */
  worker_addresses: {
    pattern: /^(?:[0-9]{1,3}(?:\\\\\.[0-9]{1,3}){3}|[0-9a-f:]*[0-9a-f])(?:\|(?:[0-9]{1,3}(?:\\\\\.[0-9]{1,3}){3}|[0-9a-f:]*[0-9a-f]))*$/,
    shape: 'IP addresses joined by |, dots written \\\\.',
  },
} as const;

export type Placeholder = keyof typeof VALUE_RULES;
export const PLACEHOLDERS = Object.keys(VALUE_RULES) as Placeholder[];
export type TemplateValues = Partial<Record<Placeholder, string>>;

const TOKEN = /\{\{([^{}]*)\}\}/g;

function isPlaceholder(name: string): name is Placeholder {
  return Object.hasOwn(VALUE_RULES, name);
}

/** The placeholders a template uses, in order of first use. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(TOKEN), (match) => match[1] ?? ''))];
}

/**
 * Why a template cannot be used, or undefined. Config validation calls this so a typo in a
 * placeholder fails at startup, not in the middle of a rollout.
 */
export function templateProblem(template: string, allowed: readonly Placeholder[] = PLACEHOLDERS): string | undefined {
  const unknown = templatePlaceholders(template).filter((name) => !isPlaceholder(name) || !allowed.includes(name));
  if (unknown.length > 0) return `unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(', ')} (allowed: ${allowed.map((name) => `{{${name}}}`).join(', ')})`;
  const rest = template.replace(TOKEN, '');
  if (rest.includes('{{') || rest.includes('}}')) return 'unbalanced {{ or }} outside a placeholder';
  return undefined;
}

/** Why a value cannot fill its placeholder, or undefined. */
export function valueProblem(key: Placeholder, value: string): string | undefined {
  const rule = VALUE_RULES[key];
  return rule.pattern.test(value) ? undefined : `${key} must be ${rule.shape}, not "${printable(value, 40)}"`;
}

/** Refuses (input.invalid) any value that does not have its placeholder's shape. */
export function validateTemplateValues(values: TemplateValues): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || !isPlaceholder(key)) continue;
    const problem = valueProblem(key, value);
    if (problem !== undefined) throw new CutoverError('input.invalid', problem);
  }
}

/**
 * Fills a template in one pass. Every value is checked against its placeholder's shape first;
 * a value that fails is refused (input.invalid) rather than escaped, because no legitimate DC,
 * window or address needs a character PromQL would treat specially.
 */
export function renderTemplate(template: string, values: TemplateValues, name = 'query'): string {
  const problem = templateProblem(template);
  if (problem !== undefined) throw new CutoverError('config.invalid', `PromQL template ${name}: ${problem}`);
  validateTemplateValues(values);
  return template.replace(TOKEN, (_token, key: string) => {
    const value = isPlaceholder(key) ? values[key] : undefined;
    if (value === undefined) throw new CutoverError('config.invalid', `PromQL template ${name} uses {{${key}}}, which this reading does not provide`);
    return value;
  });
}

/**
 * The {{worker_addresses}} value for these addresses: each dot escaped for the regex and the
 * escape escaped for the PromQL string (`10\\.64\\.0\\.1`), joined by `|`, sorted so the same
 * workers always render the same query.
 */
export function workerAddressPattern(addresses: readonly string[]): string {
  return [...new Set(addresses)]
    .sort()
    .map((address) => address.toLowerCase().replaceAll('.', '\\\\.'))
    .join('|');
}
