import type { AccessModel, Role } from './model.js';
import { own } from './own.js';

/** What a command needs from the person running it. */
export type Capability = 'read' | 'request' | 'approve';

const GRANTS: Record<Role, readonly Capability[]> = {
  viewer: ['read'],
  operator: ['read', 'request'],
  approver: ['read', 'approve'],
  admin: ['read', 'request', 'approve'],
};

/** The person behind a chat message, once the transport has vouched for them. */
export interface Caller {
  /** Configured person name; undefined for someone the config does not know. */
  person: string | undefined;
  /** What the channel calls them (nick, Slack name): for display only, never for decisions. */
  display: string;
  transport: string;
  /** Where they spoke, and so where the answer goes: a channel, or for a private message their nick or the DM's id. */
  channel: string;
  /**
   * Said to the bot alone (an IRC PRIVMSG to its nick, a Slack DM): only read-only commands are
   * taken there (commands/dispatch.ts), since a change must be seen, and approved, in the channel.
   */
  private?: true;
  /** The id the transport vouched for (IRC services account, Slack user id), where it passes one on. */
  userId?: string;
}

export function rolesOf(config: Pick<AccessModel, 'people'>, person: string | undefined, service: string): readonly Role[] {
  if (person === undefined) return [];
  const roles = own(config.people, person)?.roles;
  return (roles === undefined ? undefined : own(roles, service)) ?? [];
}

/** The roles that carry a capability, for a refusal that names what the config calls them: `operator or admin`. */
export function rolesWith(capability: Capability): string {
  const roles = (Object.keys(GRANTS) as Role[]).filter((role) => GRANTS[role].includes(capability));
  return roles.length <= 1 ? (roles[0] ?? capability) : `${roles.slice(0, -1).join(', ')} or ${roles.at(-1) ?? ''}`;
}

export function isAllowed(config: AccessModel, caller: Caller, service: string, capability: Capability): boolean {
  if (capability === 'read' && config.access.read_only === 'anyone') return true;
  return rolesOf(config, caller.person, service).some((role) => GRANTS[role].includes(capability));
}

/** Configured people who could approve a request on this service, the requester excluded. */
export function approversFor(config: Pick<AccessModel, 'people'>, service: string, requester: string | undefined): string[] {
  return Object.keys(config.people).filter(
    (name) => name !== requester && rolesOf(config, name, service).some((role) => GRANTS[role].includes('approve')),
  );
}
