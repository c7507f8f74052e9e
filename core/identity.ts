import type { Config } from '../config/schema.js';

/**
 * One identity model for every transport: a configured person is whoever holds their IRC
 * services account or their Slack user id. Nicks and display names never decide anything.
 */
export function personByIrcAccount(config: Config, account: string | undefined): string | undefined {
  if (account === undefined || account === '' || account === '*') return undefined;
  const wanted = account.toLowerCase();
  return Object.entries(config.people).find(([, person]) => person.irc?.toLowerCase() === wanted)?.[0];
}

export function personBySlackId(config: Config, userId: string | undefined): string | undefined {
  if (userId === undefined) return undefined;
  return Object.entries(config.people).find(([, person]) => person.slack === userId)?.[0];
}
