/** The lab's etcd (lab/servers/), with the API the tests have always used. */
export { etcdBinary, startEtcd, type EtcdServer, type EtcdServerOptions } from '../../lab/servers/etcd.js';
export { EtcdKeys } from '../../lab/servers/etcd-keys.js';
export { freePort } from '../../lab/servers/free-port.js';
