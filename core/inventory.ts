import type { HostGroupModel, LvsServiceModel, ServiceModel } from './model.js';
import { CutoverError } from './errors.js';
import { own } from './own.js';
import { quoted } from './printable.js';

export interface Host {
  fqdn: string;
  /** First DNS label: what people type and what replies show. */
  shortName: string;
  dc: string;
  group: string;
  kind: HostGroupModel['kind'];
}

export interface PoolRef {
  /** The LVS service name, e.g. kartotherian-k8s-ssl. */
  lvsService: string;
  dc: string;
  cluster: string;
  conftoolService: string;
}

/** Host names people may type: letters, digits, dots and dashes only, so look-alikes and injections never match. */
const HOST_INPUT = /^[a-z0-9][a-z0-9.-]{0,252}$/;
const LETTERS_THEN_DIGITS = /^([a-z-]+?)-?(\d+)$/;

/**
 * The service's hosts and LVS pools as the config declares them. Every host a command names
 * is resolved here, so nothing outside the inventory ever reaches an adapter.
 */
export class Inventory {
  readonly hosts: readonly Host[];
  private readonly byFqdn = new Map<string, Host>();
  /**
   * What the questions below answer never changes (the config is read once), and a status over
   * 1,000 hosts asked them dozens of times, each a walk over every host or every LVS service.
   */
  private readonly membersOf = new Map<string, readonly Host[]>();
  private readonly lvsServicesByGroup = new Map<string, readonly string[]>();
  private workerLvsServicesCache: readonly string[] | undefined;

  constructor(
    readonly serviceName: string,
    private readonly service: ServiceModel,
  ) {
    const hosts: Host[] = [];
    for (const [group, config] of Object.entries(service.host_groups)) {
      for (const [dc, fqdns] of Object.entries(config.hosts)) {
        for (const fqdn of fqdns) {
          const host = { fqdn, shortName: fqdn.split('.')[0] ?? fqdn, dc, group, kind: config.kind };
          hosts.push(host);
          this.byFqdn.set(fqdn, host);
        }
      }
    }
    this.hosts = hosts;
  }

  get description(): string | undefined {
    return this.service.description;
  }

  get datacenters(): readonly string[] {
    return this.service.datacenters;
  }

  get lvsServiceNames(): string[] {
    return Object.keys(this.service.lvs_services);
  }

  lvsService(name: string): LvsServiceModel {
    const lvs = own(this.service.lvs_services, name);
    if (lvs === undefined) {
      throw new CutoverError(
        'input.invalid',
        `Unknown LVS service "${name}". Known: ${this.lvsServiceNames.join(', ')}.`,
      );
    }
    return lvs;
  }

  pool(lvsService: string, dc: string): PoolRef {
    const lvs = this.lvsService(lvsService);
    return { lvsService, dc, cluster: lvs.conftool.cluster, conftoolService: lvs.conftool.service };
  }

  /** Hosts that may be members of a pool: the LVS service's member groups, in that DC. */
  members(lvsService: string, dc: string): readonly Host[] {
    const key = `${lvsService}\u0000${dc}`;
    const known = this.membersOf.get(key);
    if (known !== undefined) return known;
    const lvs = this.lvsService(lvsService);
    const members = Object.freeze(this.hosts.filter((host) => host.dc === dc && lvs.members.includes(host.group)));
    this.membersOf.set(key, members);
    return members;
  }

  /** LVS services Kubernetes workers can join, in config order: where the migration happens. */
  get workerLvsServices(): readonly string[] {
    if (this.workerLvsServicesCache !== undefined) return this.workerLvsServicesCache;
    const workers = this.hosts.filter((host) => host.kind === 'k8s-worker');
    this.workerLvsServicesCache = Object.freeze(this.lvsServiceNames.filter((name) => workers.some((host) => this.lvsServicesOf(host).includes(name))));
    return this.workerLvsServicesCache;
  }

  /** LVS services this host may be pooled in. */
  lvsServicesOf(host: Host): readonly string[] {
    const known = this.lvsServicesByGroup.get(host.group);
    if (known !== undefined) return known;
    const names = Object.freeze(
      Object.entries(this.service.lvs_services)
        .filter(([, lvs]) => lvs.members.includes(host.group))
        .map(([name]) => name),
    );
    this.lvsServicesByGroup.set(host.group, names);
    return names;
  }

  /**
   * The pool a command means when it names a host and maybe a service. Workers default to the
   * service their group declares; a host in several pools must be told which.
   */
  choosePool(host: Host, requested: string | undefined): PoolRef {
    const candidates = this.lvsServicesOf(host);
    if (requested !== undefined) {
      this.lvsService(requested);
      if (!candidates.includes(requested)) {
        throw new CutoverError(
          'input.invalid',
          `${host.shortName} cannot be pooled in ${requested}: that pool takes ${this.lvsService(requested).members.join(', ')} hosts. ${host.shortName} may join: ${candidates.join(', ')}.`,
        );
      }
      return this.pool(requested, host.dc);
    }
    const fallback = own(this.service.host_groups, host.group)?.default_lvs_service;
    if (fallback !== undefined) return this.pool(fallback, host.dc);
    if (candidates.length === 1 && candidates[0] !== undefined) return this.pool(candidates[0], host.dc);
    throw new CutoverError(
      'input.invalid',
      `${host.shortName} is in ${candidates.length} LVS services (${candidates.join(', ')}); say which with --service.`,
    );
  }

  /**
   * Resolves what a person typed to exactly one host: an FQDN, a short name, or a
   * shorthand like `wikikube1001` for `wikikube-worker1001`. Anything else is refused
   * with the candidates, never guessed.
   */
  resolveHost(typed: string): Host {
    const input = typed.trim().toLowerCase();
    if (!HOST_INPUT.test(input)) {
      throw new CutoverError(
        'input.invalid',
        `${quoted(typed)} is not a host name: use letters, digits, dots and dashes, e.g. wikikube1001 or maps1005.eqiad.wmnet.`,
      );
    }
    const exact = this.byFqdn.get(input);
    if (exact !== undefined) return exact;

    const [label, ...domain] = input.split('.');
    // `maps1005.eqiad` narrows to a DC; whatever follows the first label must match the host's domain.
    const inDomain = (host: Host): boolean => {
      const hostDomain = host.fqdn.split('.').slice(1);
      return domain.every((part, index) => hostDomain[index] === part);
    };
    const byShortName = this.hosts.filter((host) => host.shortName === label && inDomain(host));
    if (byShortName.length === 1 && byShortName[0] !== undefined) return byShortName[0];
    if (byShortName.length > 1) throw ambiguous(typed, byShortName);

    const shorthand = label === undefined ? null : LETTERS_THEN_DIGITS.exec(label);
    if (shorthand !== null) {
      const [, letters = '', digits = ''] = shorthand;
      const prefix = letters.replaceAll('-', '');
      const matches = this.hosts.filter((host) => {
        const parts = LETTERS_THEN_DIGITS.exec(host.shortName);
        return parts !== null && parts[2] === digits && (parts[1] ?? '').replaceAll('-', '').startsWith(prefix) && prefix.length >= 2 && inDomain(host);
      });
      if (matches.length === 1 && matches[0] !== undefined) return matches[0];
      if (matches.length > 1) throw ambiguous(typed, matches);
    }
    throw unknown(typed, this.suggestionsFor(label ?? input, domain));
  }

  /**
   * Hosts to offer for a name that resolved to none, best first: only the DC the person meant when
   * that can be told (so an eqiad typo never lists codfw workers), the same kind of name before a
   * mere same number, then the nearest number.
   */
  private suggestionsFor(label: string, domain: readonly string[]): Host[] {
    const digits = /\d+$/.exec(label)?.[0];
    const letters = label.replace(/\d+$/, '').replaceAll('-', '');
    const sameFamily = (host: Host): boolean => letters.length >= 2 && host.shortName.replaceAll('-', '').startsWith(letters);
    const candidates = this.hosts.filter((host) => (digits !== undefined && host.shortName.endsWith(digits)) || sameFamily(host));
    const dc = this.meantDc(domain, digits);
    const inDc = candidates.filter((host) => host.dc === dc);
    const distance = (host: Host): number => {
      const number = numberOf(host);
      return digits === undefined || number === undefined ? Infinity : Math.abs(Number(number) - Number(digits));
    };
    return (inDc.length > 0 ? inDc : candidates)
      .map((host, order) => ({ host, order, family: sameFamily(host) ? 0 : 1, distance: distance(host) }))
      .sort((a, b) => a.family - b.family || a.distance - b.distance || a.order - b.order)
      .slice(0, 6)
      .map(({ host }) => host);
  }

  /**
   * The DC a typed name points at: named (`wikikube1009.eqiad`), or implied by the number as in
   * Wikimedia's naming (1xxx is eqiad, 2xxx codfw), read from the inventory's own hosts rather
   * than a table, so it holds for whatever DCs the config has.
   */
  private meantDc(domain: readonly string[], digits: string | undefined): string | undefined {
    const named = domain[0];
    if (named !== undefined && this.datacenters.includes(named)) return named;
    const lead = digits?.[0];
    if (lead === undefined) return undefined;
    const dcs = new Set(this.hosts.filter((host) => numberOf(host)?.startsWith(lead) === true).map((host) => host.dc));
    return dcs.size === 1 ? [...dcs][0] : undefined;
  }
}

function numberOf(host: Host): string | undefined {
  return /\d+$/.exec(host.shortName)?.[0];
}

function ambiguous(typed: string, hosts: Host[]): CutoverError {
  return new CutoverError(
    'input.ambiguous-host',
    `${quoted(typed)} matches ${hosts.length} hosts: ${hosts.map((host) => host.fqdn).join(', ')}. Say which one.`,
  );
}

function unknown(typed: string, suggestions: Host[]): CutoverError {
  const hint = suggestions.length > 0 ? ` Did you mean: ${suggestions.map((host) => host.shortName).join(', ')}?` : '';
  return new CutoverError('input.unknown-host', `${quoted(typed)} is not a host of this service.${hint}`);
}
