import { describe, expect, it } from 'vitest';
import { canDepool } from '../../lab/pybal/can-depool.js';
import type { ConftoolServerConfig } from '../../lab/pybal/conftool-values.js';
import type { MonitorReport } from '../../lab/pybal/health-monitor.js';
import { PoolCoordinator } from '../../lab/pybal/pool-coordinator.js';

const maps = ['maps1005', 'maps1006', 'maps1007', 'maps1008', 'maps1009', 'maps1010'].map((name) => `${name}.eqiad.wmnet`);
const workers = ['1001', '1002', '1003', '1004'].map((n) => `wikikube-worker${n}.eqiad.wmnet`);

/** A coordinator whose monitors the test drives by hand: one fake monitor per server. */
function coordinator(config: Map<string, ConftoolServerConfig>): { pool: PoolCoordinator; report: Map<string, MonitorReport>; changes: () => number } {
  const report = new Map<string, MonitorReport>();
  let changes = 0;
  const pool = new PoolCoordinator({
    name: 'kartotherian-k8s-ssl_6543',
    port: 6543,
    depoolThreshold: 0.5,
    resolve: (host) => (host.startsWith('unknown') ? undefined : '127.0.0.1'),
    createMonitors: (target, reporter) => {
      report.set(target.host, reporter('Fake'));
      return [{ name: 'Fake', start: () => undefined, stop: () => undefined }];
    },
    onChange: () => {
      changes += 1;
    },
  });
  pool.onConfigUpdate(config);
  for (const host of config.keys()) report.get(host)?.(true);
  return { pool, report, changes: () => changes };
}

const pooled = (pool: PoolCoordinator, hosts: readonly string[]): boolean[] => hosts.map((host) => pool.servers.get(host)?.pooled ?? false);

describe('canDepool (pybal/coordinator.py)', () => {
  it('counts up-and-enabled against total × threshold', () => {
    const servers = (up: number, disabled: number, down: number): Array<{ up: boolean; enabled: boolean }> => [
      ...Array.from({ length: up }, () => ({ up: true, enabled: true })),
      ...Array.from({ length: disabled }, () => ({ up: true, enabled: false })),
      ...Array.from({ length: down }, () => ({ up: false, enabled: true })),
    ];
    expect(canDepool(servers(5, 3, 2), 0.5)).toBe(true);
    expect(canDepool(servers(4, 3, 3), 0.5)).toBe(false);
    expect(canDepool([], 0.5)).toBe(true);
  });
});

describe('PoolCoordinator: wikimedia-ops §3 worked example', () => {
  it('6 maps (3 set to no) + 4 workers, all workers fail: 2 depooled, 2 kept pooled and counted', () => {
    const config = new Map<string, ConftoolServerConfig>([...maps.map((host, index): [string, ConftoolServerConfig] => [host, { weight: 10, enabled: index >= 3 }]), ...workers.map((host): [string, ConftoolServerConfig] => [host, { weight: 10, enabled: true }])]);
    const { pool, report } = coordinator(config);
    expect(pooled(pool, workers)).toEqual([true, true, true, true]);
    for (const worker of workers) report.get(worker)?.(false, '503');
    expect(pooled(pool, workers)).toEqual([false, false, true, true]);
    expect([...pool.pooledDown]).toEqual(workers.slice(2));
    expect(pool.couldNotDepoolTotal).toBe(2);
    expect(pool.canDepool()).toBe(false);
    expect(workers.map((host) => pool.servers.get(host)?.up)).toEqual([false, false, false, false]);

    // One worker recovers: repooled, but 4 up-and-enabled of 10 still may not lose any.
    report.get(workers[0] ?? '')?.(true);
    expect(pooled(pool, workers)).toEqual([true, false, true, true]);
    expect(pool.pooledDown.size).toBe(2);
    // A second one: 5 ≥ 5, so pybal's repool loop depools the pooled-down servers; they are already
    // down, so the count stays 5 and both go.
    report.get(workers[1] ?? '')?.(true);
    expect(pooled(pool, workers)).toEqual([true, true, false, false]);
    expect(pool.pooledDown.size).toBe(0);
  });

  it('with the 3 maps inactive instead, 3 of the 4 workers are ejected', () => {
    const config = new Map<string, ConftoolServerConfig>([...maps.slice(3).map((host): [string, ConftoolServerConfig] => [host, { weight: 10, enabled: true }]), ...workers.map((host): [string, ConftoolServerConfig] => [host, { weight: 10, enabled: true }])]);
    const { pool, report } = coordinator(config);
    for (const worker of workers) report.get(worker)?.(false);
    expect(pooled(pool, workers)).toEqual([false, false, false, true]);
    expect(pool.couldNotDepoolTotal).toBe(1);
  });
});

describe('PoolCoordinator: conftool changes', () => {
  it('an operator depool is not capacity-checked; inactive removes the server; weight follows conftool', () => {
    const config = new Map<string, ConftoolServerConfig>(maps.slice(0, 2).map((host) => [host, { weight: 10, enabled: true }]));
    const { pool } = coordinator(config);
    pool.onConfigUpdate(new Map([[maps[0] ?? '', { weight: 10, enabled: false }], [maps[1] ?? '', { weight: 0, enabled: true }]]));
    expect(pool.servers.get(maps[0] ?? '')).toMatchObject({ enabled: false, pooled: false, up: true });
    // weight 0 stays pooled: pybal gives ipvsadm no -w for it (pybal/ipvs.py).
    expect(pool.servers.get(maps[1] ?? '')).toMatchObject({ enabled: true, pooled: true, weight: 0 });
    pool.onConfigUpdate(new Map([[maps[1] ?? '', { enabled: true }]]));
    expect([...pool.servers.keys()]).toEqual([maps[1]]);
    expect(pool.servers.get(maps[1] ?? '')?.weight).toBe(0);
  });

  it('a name that does not resolve is never ready nor pooled (pybal/server.py _initFailed)', () => {
    const { pool } = coordinator(new Map([['unknown1.eqiad.wmnet', { enabled: true }]]));
    expect(pool.servers.get('unknown1.eqiad.wmnet')).toMatchObject({ pooled: false, up: false, weight: 10, enabled: true });
  });
});
