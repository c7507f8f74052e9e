export interface CrossServiceInput {
  services: Readonly<Record<string, { lvs_services: Readonly<Record<string, { conftool: { cluster: string; service: string } }>> }>>;
  transports: { slack?: { slash_commands: Readonly<Record<string, string>> } | undefined };
}

/**
 * What services must not share: a conftool pool (its faults, locks and guard would be two
 * services' at once) and a Slack slash command (one of them would never be reached).
 */
export function crossServiceIssues(config: CrossServiceInput): { path: PropertyKey[]; message: string }[] {
  const issues: { path: PropertyKey[]; message: string }[] = [];
  const pools = new Map<string, string>();
  for (const [name, service] of Object.entries(config.services)) {
    for (const [lvsName, lvs] of Object.entries(service.lvs_services)) {
      const key = `${lvs.conftool.cluster}/${lvs.conftool.service}`;
      const owner = pools.get(key);
      if (owner !== undefined && owner !== name) {
        issues.push({ path: ['services', name, 'lvs_services', lvsName, 'conftool'], message: `conftool pool ${key} already belongs to ${owner}` });
      }
      pools.set(key, owner ?? name);
    }
  }
  const slack = config.transports.slack;
  if (slack === undefined) return issues;
  for (const service of Object.keys(slack.slash_commands)) {
    if (!Object.hasOwn(config.services, service)) issues.push({ path: ['transports', 'slack', 'slash_commands', service], message: `unknown service "${service}"` });
  }
  const commands = new Map<string, string>();
  for (const service of Object.keys(config.services)) {
    const command = slashCommandOf(slack.slash_commands, service);
    const other = commands.get(command);
    if (other !== undefined) issues.push({ path: ['transports', 'slack', 'slash_commands', service], message: `${command} is already ${other}'s slash command` });
    commands.set(command, service);
  }
  return issues;
}

/** A service's slash command: as configured, or /<its name>. */
export function slashCommandOf(configured: Readonly<Record<string, string>>, service: string): string {
  return (Object.hasOwn(configured, service) ? configured[service] : undefined) ?? `/${service}`;
}
