import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfig } from '../../config/load.js';
import { loadPlan } from '../../config/load-plan.js';

const PATH = new URL('../../config/production.example.yaml', import.meta.url).pathname;

describe('the shipped production example', () => {
  it('validates against the same schema the bot uses, with every production backend', async () => {
    const config = parseConfig(await readFile(PATH, 'utf8'), PATH);
    expect(config.backends.pooling.kind).toBe('etcd');
    const backends = config.services['kartotherian']?.backends;
    expect(backends?.pybal?.lvs_hosts['eqiad']).toEqual(['lvs1019.eqiad.wmnet', 'lvs1020.eqiad.wmnet']);
    expect(backends?.helm?.host).toMatchObject({ kind: 'ssh', host: 'deployment.eqiad.wmnet' });
    expect(backends?.production?.pybal_restart.order['eqiad']?.[0]).toBe('lvs1020.eqiad.wmnet');
    expect(config.services['kartotherian']?.approval.require_reason).toBe(true);
    expect(config.redis.autostart).toBe(false);
    expect(config.transports.irc?.trust_nicks).toBe(false);
    expect(config.transports.irc?.tls_verify).toBe(true);
  });

  it('turns Alertmanager on with the service\'s alerts as matchers; the console demo has none', async () => {
    const config = parseConfig(await readFile(PATH, 'utf8'), PATH);
    const alertmanager = config.services['kartotherian']?.backends.alertmanager;
    expect(alertmanager).toMatchObject({ url: 'http://alertmanager-eqiad.wikimedia.org', silence_hosts: true, instance_name: 'short' });
    expect(alertmanager?.service_matchers[0]).toEqual([
      { name: 'job', value: 'probes/.*', isRegex: true, isEqual: true },
      { name: 'instance', value: 'kartotherian(-k8s)?-ssl:(443|6543)', isRegex: true, isEqual: true },
    ]);
    const demo = await loadConfig(DEFAULT_CONFIG_PATH);
    expect(demo.services['kartotherian']?.backends.alertmanager).toBeUndefined();
  });

  it('takes spicerack\'s cookbook locks in conftool\'s etcd; the demo takes none; beside confctl they are refused', async () => {
    const text = await readFile(PATH, 'utf8');
    const config = parseConfig(text, PATH);
    expect(config.backends.cookbook_locks).toMatchObject({ take: 'sre.k8s.pool-depool-node:{fqdn}', ttl_seconds: 600, created_style: 'aware' });
    expect((await loadConfig(DEFAULT_CONFIG_PATH)).backends.cookbook_locks).toBeUndefined();
    const confctl = text.replace(/ {2}pooling:\n {4}kind: etcd\n {4}endpoints: .*\n {4}username: cutover\n {4}timeout_ms: 5000\n/, '  pooling:\n    kind: confctl\n    host: { kind: local }\n');
    expect(confctl).not.toBe(text);
    expect(() => parseConfig(confctl, PATH)).toThrow(/backends\.cookbook_locks[\s\S]*need backends\.pooling\.kind etcd/);
  });

  it('refuses a service matcher that is not a selector, where it is written', async () => {
    const text = (await readFile(PATH, 'utf8')).replace(`'{alertname="ATSBackendErrorsHigh", backend="kartotherian.discovery.wmnet"}'`, `'{alertname=~"ATS(("}'`);
    expect(() => parseConfig(text, PATH)).toThrow(/backends\.alertmanager\.service_matchers\.1[\s\S]*not a regular expression/);
  });

  it('keeps secrets out of the file', async () => {
    const text = await readFile(PATH, 'utf8');
    expect(text).not.toMatch(/password:|token:|secret:|xox[bp]-|xapp-/i);
  });

  it('points at a plan that validates with production timing', async () => {
    const plan = await loadPlan(PATH, 'plans/kartotherian.yaml');
    expect(plan.time_scale).toBe(1);
    expect(plan.steps.find((step) => step.kind === 'retire-bare-metal')?.gate).toBe('two');
  });
});
