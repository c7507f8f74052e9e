import { EventEmitter } from 'node:events';
import type { Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { emptyTally, sumTallies } from '../../lab/cdn/cdn-tally.js';
import { createAtsMetrics } from '../../lab/cdn/ats-metrics.js';
import { createEnvoyMetrics } from '../../lab/hosts/envoy-metrics.js';
import { kartotherianAnswer } from '../../lab/hosts/kartotherian-answer.js';
import { latencySampler } from '../../lab/hosts/latency.js';
import { podName } from '../../lab/kube/pod-name.js';
import { listenOn } from '../../lab/servers/listen-on.js';

const TILE = '/osm-intl/6/23/24.png';

describe('Kartotherian\'s answers', () => {
  it('serves tiles as PNG, / as HTML, /_info as JSON and 404 otherwise', () => {
    for (const path of [TILE, '/osm-intl/12/2047/1362.png', '/osm-intl/3/1/2@2x.png', `${TILE}?lang=en`]) {
      const answer = kartotherianAnswer(path, TILE);
      expect([answer.status, answer.contentType, answer.body.subarray(1, 4).toString()]).toEqual([200, 'image/png', 'PNG']);
    }
    expect(kartotherianAnswer('/', TILE).contentType).toContain('text/html');
    expect(JSON.parse(kartotherianAnswer('/_info', TILE).body.toString())).toMatchObject({ name: 'kartotherian' });
    for (const path of ['/osm-intl/6/23/24.jpg', '/other/6/23/24.png', '/osm-intl/', '/../etc/passwd']) expect(kartotherianAnswer(path, TILE).status).toBe(404);
  });
});

describe('the sidecar and CDN series', () => {
  it('writes envoy\'s names and labels, milliseconds buckets up to 2500', async () => {
    const metrics = createEnvoyMetrics();
    metrics.observe(200, 12);
    metrics.observe(503, 3);
    const text = await metrics.registry.metrics();
    expect(text).toContain('envoy_cluster_upstream_rq{envoy_cluster_name="LOCAL_kartotherian",envoy_response_code="200"} 1');
    expect(text).toContain('envoy_cluster_upstream_rq{envoy_cluster_name="LOCAL_kartotherian",envoy_response_code="503"} 1');
    expect(text).toContain('envoy_cluster_upstream_rq_xx{envoy_cluster_name="LOCAL_kartotherian",envoy_response_code_class="5"} 1');
    expect(text).toContain('envoy_cluster_upstream_rq_total{envoy_cluster_name="LOCAL_kartotherian"} 2');
    expect(text).toContain('envoy_cluster_upstream_rq_time_bucket{le="10",envoy_cluster_name="LOCAL_kartotherian"} 1');
    expect(text).toContain('envoy_cluster_upstream_rq_time_bucket{le="2500",envoy_cluster_name="LOCAL_kartotherian"} 2');
    expect(text).toContain('envoy_cluster_upstream_rq_time_count{envoy_cluster_name="LOCAL_kartotherian"} 2');
  });

  it('writes mtail\'s ATS series: status on the count, none on the buckets, 1.2 s the top finite bucket', async () => {
    const metrics = createAtsMetrics('kartotherian.discovery.wmnet');
    metrics.observe('200', 0.02);
    metrics.observe('504', 2);
    const text = await metrics.registry.metrics();
    const labels = 'backend="kartotherian.discovery.wmnet",method="GET"';
    expect(text).toContain(`trafficserver_backend_requests_seconds_count{${labels},status="504"} 1`);
    expect(text).toContain(`trafficserver_backend_requests_seconds_bucket{${labels},le="0.025"} 1`);
    expect(text).toContain(`trafficserver_backend_requests_seconds_bucket{${labels},le="1.2"} 1`);
    expect(text).toContain(`trafficserver_backend_requests_seconds_bucket{${labels},le="+Inf"} 2`);
    expect(text).toContain(`trafficserver_backend_requests_seconds_sum{${labels}} 2.02`);
  });

  it('adds tallies per status', () => {
    const one = { ...emptyTally(), sent: 3, ok: 2, failed: 1, byStatus: { '200': 2, '502': 1 } };
    const two = { ...emptyTally(), sent: 1, failed: 1, skipped: 4, byStatus: { '502': 1 } };
    expect(sumTallies([one, two])).toEqual({ sent: 4, ok: 2, failed: 2, skipped: 4, byStatus: { '200': 2, '502': 2 } });
  });
});

describe('small pieces', () => {
  it('names pods like a Deployment: stable per revision, new hash per revision', () => {
    const name = podName('kartotherian', 'main', 'eqiad', 1, 'wikikube-worker1001.eqiad.wmnet');
    expect(name).toMatch(/^kartotherian-main-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(podName('kartotherian', 'main', 'eqiad', 1, 'wikikube-worker1001.eqiad.wmnet')).toBe(name);
    expect(podName('kartotherian', 'main', 'eqiad', 2, 'wikikube-worker1001.eqiad.wmnet').split('-')[2]).not.toBe(name.split('-')[2]);
    expect(podName('kartotherian', 'main', 'eqiad', 1, 'wikikube-worker1002.eqiad.wmnet').split('-')[2]).toBe(name.split('-')[2]);
  });

  it('spreads latency over half to one and a half times the base', () => {
    expect(latencySampler(10, () => 0)()).toBe(5);
    expect(latencySampler(10, () => 0.999)()).toBeCloseTo(14.99);
  });
});

describe('binding a production port', () => {
  it('says that 443 needs root when the kernel refuses it', async () => {
    // A stand-in for net.Server: the test itself runs as root, where a real bind would succeed.
    const server = Object.assign(new EventEmitter(), {
      listen: () => setImmediate(() => server.emit('error', Object.assign(new Error('listen EACCES'), { code: 'EACCES' }))),
    });
    await expect(listenOn(server as unknown as Server, '127.20.1.1', 443, 'maps1005.eqiad.wmnet nginx')).rejects.toThrow(/maps1005.eqiad.wmnet nginx: binding 127.20.1.1:443 needs root/);
  });
});
