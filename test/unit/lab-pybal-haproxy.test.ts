import { describe, expect, it } from 'vitest';
import { haproxyConfigText } from '../../lab/balancer/haproxy-config-text.js';
import { startHaproxy } from '../../lab/balancer/haproxy-process.js';
import { parseShowStat } from '../../lab/balancer/show-stat.js';
import type { LabTopology } from '../../lab/topology.js';

const topology: LabTopology = {
  service: 'kartotherian',
  publicName: 'maps.wikimedia.org',
  tilePath: '/osm-intl/6/23/24.png',
  datacenters: ['eqiad'],
  hosts: [
    { fqdn: 'maps1005.eqiad.wmnet', dc: 'eqiad', role: 'maps', address: '127.20.1.1' },
    { fqdn: 'wikikube-worker1001.eqiad.wmnet', dc: 'eqiad', role: 'worker', address: '127.20.2.1' },
    { fqdn: 'lvs1019.eqiad.wmnet', dc: 'eqiad', role: 'lvs', address: '127.20.3.1' },
  ],
  services: [
    { name: 'kartotherian-ssl', port: 443, tls: true, cluster: 'maps', conftoolService: 'kartotherian-ssl', depoolThreshold: 0.5, members: ['maps'], initiallyConfigured: true },
    { name: 'kartotherian-k8s-ssl', port: 6543, tls: true, cluster: 'maps', conftoolService: 'kartotherian-k8s-ssl', depoolThreshold: 0.5, members: ['maps', 'worker'], initiallyConfigured: false },
  ],
  vips: { eqiad: '127.20.10.1' },
  cdnFrom: 'kartotherian-ssl',
  cdnTo: 'kartotherian-k8s-ssl',
};

describe('the HAProxy LVS stand-in', () => {
  it('has a TCP frontend on the VIP and a backend of possible members per LVS service, all in maintenance, no checks', () => {
    const text = haproxyConfigText(topology, 'eqiad', '/tmp/x/haproxy-eqiad.sock');
    expect(text).toContain('stats socket /tmp/x/haproxy-eqiad.sock level admin');
    expect(text).toContain('  mode tcp');
    expect(text).toContain('frontend vip_kartotherian-ssl_443\n  bind 127.20.10.1:443\n  default_backend kartotherian-ssl_443');
    expect(text).toContain('backend kartotherian-ssl_443\n  balance roundrobin\n  server maps1005.eqiad.wmnet 127.20.1.1:443 weight 10 disabled\n');
    expect(text).toContain('backend kartotherian-k8s-ssl_6543\n  balance roundrobin\n  server maps1005.eqiad.wmnet 127.20.1.1:6543 weight 10 disabled\n  server wikikube-worker1001.eqiad.wmnet 127.20.2.1:6543 weight 10 disabled\n');
    expect(text).not.toContain(' check');
    expect(text).not.toContain('lvs1019');
  });

  it('parses show stat by column name and keeps only server rows', () => {
    const csv = [
      '# pxname,svname,qcur,scur,status,weight,addr,',
      'vip_kartotherian-ssl_443,FRONTEND,,3,OPEN,,,',
      'kartotherian-ssl_443,maps1005.eqiad.wmnet,0,2,no check,10,127.20.1.1:443,',
      'kartotherian-ssl_443,maps1006.eqiad.wmnet,0,0,MAINT,1,127.20.1.2:443,',
      'kartotherian-ssl_443,BACKEND,0,2,UP,10,,',
      '',
    ].join('\n');
    expect(parseShowStat(csv)).toEqual([
      { backend: 'kartotherian-ssl_443', server: 'maps1005.eqiad.wmnet', status: 'no check', weight: 10, scur: 2, addr: '127.20.1.1:443' },
      { backend: 'kartotherian-ssl_443', server: 'maps1006.eqiad.wmnet', status: 'MAINT', weight: 1, scur: 0, addr: '127.20.1.2:443' },
    ]);
    expect(() => parseShowStat('Unknown command')).toThrow(/not HAProxy show stat/);
  });

  it('says how to install HAProxy when the binary is missing', async () => {
    await expect(startHaproxy({ dir: '/nonexistent', name: 'eqiad', config: () => '', binary: '/nonexistent/haproxy' })).rejects.toThrow(/apt-get install haproxy; npm run test:all does it/);
  });
});
