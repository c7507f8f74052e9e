/** The lab's helper, shared with the tests. */
export { freePort } from '../../lab/servers/free-port.js';
