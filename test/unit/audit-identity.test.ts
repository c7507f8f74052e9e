import { describe, expect, it } from 'vitest';
import { auditIdentity, salSigner } from '../../core/identity.js';
import type { ChangeRequest } from '../../core/requests.js';
import { loadShippedConfig } from '../helpers/config.js';
import { callerFor } from '../helpers/fakes.js';

const config = await loadShippedConfig();

describe('who the audit trail and SAL name', () => {
  it('names the configured person and the id the transport vouched for', () => {
    expect(auditIdentity(config, callerFor('bob'))).toEqual({ who: 'bob', as: 'irc account bob' });
    expect(auditIdentity(config, callerFor('bob', { transport: 'slack', display: 'U01BOB000' }))).toEqual({ who: 'bob', as: 'slack U01BOB000' });
    expect(auditIdentity(config, callerFor('bob', { userId: 'Bob' }))).toEqual({ who: 'bob', as: 'irc account Bob' });
  });

  it('never records a stranger wearing a person’s nick as that person', () => {
    expect(auditIdentity(config, callerFor(undefined, { display: 'bob' }))).toEqual({ who: 'bob (unidentified irc nick)' });
    expect(auditIdentity(config, callerFor(undefined, { display: 'bob\r\n!log x' }))).toEqual({ who: 'bob??!log x (unidentified irc nick)' });
    expect(auditIdentity(config, callerFor(undefined, { transport: 'slack', display: 'U999' }))).toEqual({ who: 'U999 (unidentified slack user)' });
    // What the transport vouched for is kept for a stranger too: an account no person is configured with.
    expect(auditIdentity(config, callerFor(undefined, { display: 'bob', userId: 'mallory' }))).toEqual({ who: 'bob (unidentified irc nick)', as: 'irc account mallory' });
    expect(auditIdentity(config, callerFor(undefined, { transport: 'slack', display: 'U999', userId: 'U999' }))).toEqual({ who: 'U999 (unidentified slack user)', as: 'slack U999' });
  });

  it('writes SAL with configured people, not the nicks they had on', () => {
    const request = {
      id: 'abcd',
      summary: 'depool maps1005.eqiad.wmnet',
      reason: 'reboot',
      task: 'T1',
      requester: { person: 'alice', display: 'carol', transport: 'irc', channel: '#x' },
      approvals: [{ person: 'bob', display: 'alice', transport: 'irc', at: 0 }],
    } as unknown as ChangeRequest;
    expect(salSigner(request.requester)).toBe('alice@cutover');
    expect(salSigner({ display: 'carol', transport: 'irc' })).toBe('carol (unidentified irc nick)@cutover');
  });
});
