import { FailingStandIn, type StandInRequest } from './http-stand-in.js';

export interface ConduitComment {
  task: string;
  text: string;
}

/**
 * Phabricator's Conduit as far as maniphest.edit with a comment: checks what a real Phabricator
 * would refuse (the method path, POST, form encoding, the token, the flat transaction fields) and
 * answers as Conduit does, HTTP 200 with {result, error_code, error_info}. failNext(n) makes the
 * next n calls fail (HTTP 500, as a Phabricator behind a restarting proxy does).
 */
export class ConduitStandIn extends FailingStandIn {
  readonly comments: ConduitComment[] = [];
  constructor(token: string) {
    super(token, { status: 500, json: { error: 'stand-in told to fail' } });
  }

  protected answer(request: StandInRequest): { status: number; json: unknown } {
    const error = (code: string, info: string) => ({ status: 200, json: { result: null, error_code: code, error_info: info } });
    if (request.method !== 'POST' || request.path !== '/api/maniphest.edit') return { status: 404, json: { error: `no ${request.method} ${request.path}` } };
    if (request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') !== true) return error('ERR-CONDUIT-CORE', `expected a form, got ${request.headers['content-type'] ?? 'no content type'}`);
    const form = new URLSearchParams(request.body);
    const keys = [...form.keys()].sort();
    if (keys.join(',') !== 'api.token,objectIdentifier,transactions[0][type],transactions[0][value]') return error('ERR-CONDUIT-CORE', `unexpected fields ${keys.join(',')}`);
    if (form.get('api.token') !== this.token) return error('ERR-INVALID-AUTH', 'API token is not valid.');
    const task = form.get('objectIdentifier') ?? '';
    if (!/^T\d+$/.test(task)) return error('ERR-CONDUIT-CORE', `no object ${task}`);
    if (form.get('transactions[0][type]') !== 'comment') return error('ERR-CONDUIT-CORE', 'only comments here');
    const text = form.get('transactions[0][value]') ?? '';
    this.comments.push({ task, text });
    const id = Number(task.slice(1));
    return { status: 200, json: { result: { object: { id, phid: `PHID-TASK-${id}` }, transactions: [{ phid: `PHID-XACT-TASK-${this.comments.length}` }] }, error_code: null, error_info: null } };
  }
}
