import { actionHash, type SetPooledAction } from '../../core/actions.js';
import { toCallerRecord, type ChangeRequest } from '../../core/requests.js';
import { callerFor, DEFAULT_NOW } from './fakes.js';

/** A Wikikube worker pooled into kartotherian in eqiad: the change most tests file. */
export const WORKER_POOL_ACTION: SetPooledAction = {
  kind: 'set-pooled',
  verb: 'pool',
  service: 'kartotherian',
  pool: { lvsService: 'kartotherian-k8s-ssl', dc: 'eqiad', cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl' },
  fqdn: 'wikikube-worker1001.eqiad.wmnet',
  changes: { pooled: 'yes', weight: 10 },
};

/** Alice's pending request for it, as filed at DEFAULT_NOW, before it has an id. */
export function workerPoolDraft(): Omit<ChangeRequest, 'id'> {
  return {
    service: 'kartotherian',
    action: WORKER_POOL_ACTION,
    actionHash: actionHash(WORKER_POOL_ACTION),
    summary: 'pool wikikube-worker1001.eqiad.wmnet into kartotherian-k8s-ssl (eqiad) at weight 10',
    reason: 'T378944 step 4',
    requester: toCallerRecord(callerFor('alice')),
    approvalsRequired: 1,
    approvals: [],
    state: 'pending',
    createdAt: DEFAULT_NOW,
    expiresAt: DEFAULT_NOW + 900_000,
    updatedAt: DEFAULT_NOW,
  };
}
