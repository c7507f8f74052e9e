import { CutoverError } from '../../core/errors.js';
import { printable } from '../../core/printable.js';
import { expandNodeSet } from './nodeset.js';
import type { PuppetSettings } from './settings.js';

/** What cumin is asked to target, after validation. `query` is the exact cumin query word. */
export type CuminSelector =
  | { kind: 'alias'; alias: string; query: string }
  | { kind: 'hosts'; hosts: string[]; query: string };

/**
 * Accepts `A:<alias>` from the configured allow-list, or a host list in node-set notation
 * (`maps100[5-6].eqiad.wmnet`) whose every host matches the configured pattern. Nothing else
 * reaches cumin: no `R:`/`P:` queries, no boolean operators, no globs, which could select far
 * more than the person asking meant.
 */
export function parseSelector(input: string, settings: Pick<PuppetSettings, 'aliases' | 'host_pattern' | 'max_hosts'>): CuminSelector {
  const text = input.trim();
  if (text.startsWith('A:')) {
    const alias = text.slice(2);
    if (!settings.aliases.includes(alias)) {
      throw new CutoverError('input.invalid', `cumin alias ${printable(alias, 64)} is not allowed here; allowed: ${settings.aliases.map((name) => `A:${name}`).join(', ')}.`);
    }
    return { kind: 'alias', alias, query: `A:${alias}` };
  }
  if (!/^[a-z0-9][a-z0-9.,[\]-]{0,1000}$/.test(text)) {
    throw new CutoverError('input.invalid', `Not a cumin selector I accept: ${printable(text, 80)}. Use A:<alias> or host names like maps100[5-6].eqiad.wmnet.`);
  }
  const hosts = expandNodeSet(text);
  if (hosts.length > settings.max_hosts) {
    throw new CutoverError('input.invalid', `${hosts.length} hosts is more than the ${settings.max_hosts} a host list may name; use an alias.`);
  }
  const pattern = new RegExp(settings.host_pattern);
  const unknown = hosts.filter((host) => !pattern.test(host));
  if (unknown.length > 0) {
    throw new CutoverError('input.unknown-host', `Not hosts this bot may touch: ${unknown.slice(0, 5).map((host) => printable(host, 64)).join(', ')}${unknown.length > 5 ? ', …' : ''}.`);
  }
  return { kind: 'hosts', hosts, query: text };
}
