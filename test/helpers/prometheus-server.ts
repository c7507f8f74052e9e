/** The lab's Prometheus (lab/servers/), with the API the tests have always used. */
export { prometheusBinary, startPrometheus, type PrometheusServer } from '../../lab/servers/prometheus.js';
export { prometheusConfig, type ScrapeTarget } from '../../lab/servers/prometheus-config.js';
export { pollUntil, realSleep, type Sleep } from '../../lab/servers/poll-until.js';
export { freePort } from '../../lab/servers/free-port.js';
