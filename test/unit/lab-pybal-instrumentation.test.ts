import { describe, expect, it } from 'vitest';
import { pybalPoolStateSchema } from '../../adapters/pybal/pybal-pool-state.js';
import { renderInstrumentation, type PoolView } from '../../lab/pybal/instrumentation-render.js';

const pools: PoolView[] = [
  {
    name: 'kartotherian-ssl_443',
    depoolThreshold: 0.5,
    pooledDown: [],
    servers: [
      { host: 'maps1005.eqiad.wmnet', pooled: true, weight: 10, up: true, enabled: true, monitorUp: [true, true] },
      { host: 'maps1006.eqiad.wmnet', pooled: false, weight: 10, up: false, enabled: true, monitorUp: [false, true] },
      { host: 'maps1007.eqiad.wmnet', pooled: false, weight: 0, up: false, enabled: false, monitorUp: [false, false] },
    ],
  },
];

describe("pybal's instrumentation API (pybal/instrumentation.py)", () => {
  it('/pools/<pool> as JSON, in the shape the bot parses', () => {
    const rendered = renderInstrumentation('/pools/kartotherian-ssl_443', true, pools);
    expect(rendered.contentType).toBe('application/json');
    expect(rendered.body).toBe(
      '{"maps1005.eqiad.wmnet": {"pooled": true, "weight": 10, "up": true, "enabled": true}, "maps1006.eqiad.wmnet": {"pooled": false, "weight": 10, "up": false, "enabled": true}, "maps1007.eqiad.wmnet": {"pooled": false, "weight": 0, "up": false, "enabled": false}}',
    );
    expect(pybalPoolStateSchema.safeParse(JSON.parse(rendered.body)).success).toBe(true);
  });

  it('text: one line per server, enabled/up|partially up|down/pooled', () => {
    expect(renderInstrumentation('/pools/kartotherian-ssl_443', false, pools).body).toBe(
      'maps1005.eqiad.wmnet:\tenabled/up/pooled\nmaps1006.eqiad.wmnet:\tenabled/partially up/not pooled\nmaps1007.eqiad.wmnet:\tdisabled/down/not pooled\n',
    );
    expect(renderInstrumentation('/pools', false, pools).body).toBe('kartotherian-ssl_443\n');
    expect(renderInstrumentation('/pools/', true, pools).body).toBe('["kartotherian-ssl_443"]');
  });

  it('one server, and 404 for an unknown pool or server (inactive ones are not in the config)', () => {
    expect(renderInstrumentation('/pools/kartotherian-ssl_443/maps1005.eqiad.wmnet', false, pools).body).toBe('enabled/up/pooled\n');
    expect(renderInstrumentation('/pools/kartotherian-ssl_443/maps1010.eqiad.wmnet', true, pools)).toEqual({ status: 404, contentType: 'application/json', body: '{"error": "The desired url was not found"}' });
    expect(renderInstrumentation('/pools/nope_1', false, pools)).toEqual({ status: 404, contentType: 'text/plain', body: 'The desired url was not found' });
  });

  it('/alerts: critical when servers are down but pooled, else warning for a pool too small to depool', () => {
    expect(renderInstrumentation('/alerts', false, pools).body).toBe('OK - All pools are healthy');
    const down: PoolView[] = [{ ...pools[0]!, pooledDown: ['maps1006.eqiad.wmnet'] }];
    expect(renderInstrumentation('/alerts', true, down).body).toBe('{"status": "critical", "msg": "kartotherian-ssl_443: Servers maps1006.eqiad.wmnet are marked down but pooled"}');
    const small: PoolView[] = [{ ...pools[0]!, servers: pools[0]!.servers.slice(0, 1) }];
    expect(renderInstrumentation('/alerts', false, small).body).toBe('WARNING - Pool kartotherian-ssl_443 is too small to allow depooling. ');
  });
});
