/**
 * What a command says back. `request` marks the announcement of a new or decided request, so a
 * transport can attach approve/deny buttons to it and later find it again for reactions.
 *
 * Its own file so that the ports (which return replies from the plan) and the command spec
 * (which takes the ports) do not import each other.
 */
export interface Reply {
  text: string;
  request?: { id: string; actionHash: string; state: 'pending' | 'approved' | 'denied' };
}
