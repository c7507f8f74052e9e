import type { AccessModel } from './model.js';

/**
 * One identity model for every transport: a configured person is whoever holds their IRC
 * services account or their Slack user id. Nicks and display names never decide anything.
 */
export function personByIrcAccount(config: Pick<AccessModel, 'people'>, account: string | undefined): string | undefined {
  if (account === undefined || account === '' || account === '*') return undefined;
  const wanted = account.toLowerCase();
  return Object.entries(config.people).find(([, person]) => person.irc?.toLowerCase() === wanted)?.[0];
}

export function personBySlackId(config: Pick<AccessModel, 'people'>, userId: string | undefined): string | undefined {
  if (userId === undefined) return undefined;
  return Object.entries(config.people).find(([, person]) => person.slack === userId)?.[0];
}
