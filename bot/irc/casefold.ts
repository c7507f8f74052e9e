/** The casemappings a server may announce in ISUPPORT CASEMAPPING that cutover folds by. */
export type Casemapping = 'ascii' | 'rfc1459' | 'strict-rfc1459';

/**
 * What a server's ISUPPORT CASEMAPPING means here. Absent: rfc1459, the protocol's default.
 * Anything else (rfc7613, rfc3454): ascii, which folds least, so two nicks the server keeps
 * apart are never taken for one person here (a stranger `bob{m}` is not `bob[m]`).
 */
export function casemappingOf(announced: unknown): Casemapping {
  if (typeof announced !== 'string' || announced === '') return 'rfc1459';
  const value = announced.toLowerCase();
  return value === 'rfc1459' || value === 'strict-rfc1459' ? value : 'ascii';
}

/**
 * A nick or channel in lower case as the server compares them: ascii folds A-Z only;
 * strict-rfc1459 also []\ to {}|; rfc1459 (what InspIRCd and Solanum default to) also ^ to ~.
 */
export function ircLower(name: string, mapping: Casemapping = 'rfc1459'): string {
  const pattern = mapping === 'ascii' ? /[A-Z]/g : mapping === 'strict-rfc1459' ? /[A-Z[\]\\]/g : /[A-Z[\]\\^]/g;
  return name.replace(pattern, (char) => String.fromCharCode(char.charCodeAt(0) + 32));
}
