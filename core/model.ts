/**
 * The domain as cutover's rules see it: services, their host groups and LVS pools, people and
 * their roles. `config/` maps the YAML onto these shapes (config/schema.ts checks at compile time
 * that what it parses fits them), so `core/` depends on nothing outside itself.
 */
export type Role = 'viewer' | 'operator' | 'approver' | 'admin';

export interface HostGroupModel {
  kind: 'bare-metal' | 'k8s-worker';
  /** The LVS service a host of this group is pooled into when a command names none. */
  default_lvs_service?: string | undefined;
  hosts: Readonly<Record<string, readonly string[]>>;
}

export interface LvsServiceModel {
  port: number;
  tls: boolean;
  /** Where pybal reads this pool: /conftool/v1/pools/<dc>/<cluster>/<service>/ */
  conftool: { cluster: string; service: string };
  /** pybal's guard: after a depool, pooled-and-up hosts must stay >= total × threshold. */
  depool_threshold: number;
  /** Host groups that may be members of this pool. */
  members: readonly string[];
}

export interface ServiceModel {
  description?: string | undefined;
  datacenters: readonly string[];
  host_groups: Readonly<Record<string, HostGroupModel>>;
  lvs_services: Readonly<Record<string, LvsServiceModel>>;
}

export interface PersonModel {
  irc?: string | undefined;
  slack?: string | undefined;
  roles: Readonly<Record<string, readonly Role[]>>;
}

/** Who may do what: the people and the open-or-closed rule for read-only commands. */
export interface AccessModel {
  people: Readonly<Record<string, PersonModel>>;
  access: { read_only: 'anyone' | 'configured' };
}
