import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
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
