import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsServer, type OpsServer } from '../../bot/ops-server.js';

/** A GET with the Host header a browser would send for a page on the attacker's rebinding name. */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the ops port under DNS rebinding', () => {
  let server: OpsServer;
  let served = 0;

  beforeAll(async () => {
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: () => {
        served += 1;
        return Promise.resolve('cutover_secret_metric 1\n');
      },
      readiness: () => {
        served += 1;
        return Promise.resolve({ ready: true, checks: { redis: 'ok' } });
      },
      routes: ({ path }) => {
        served += 1;
        return Promise.resolve(path === '/api/status' ? { status: 200, headers: {}, body: '{"people":["alice"]}' } : undefined);
      },
    });
  });

  afterAll(() => server.close());

  it.each(['/metrics', '/readyz', '/healthz', '/api/status', '/', '/anything'])('refuses %s to a page whose name rebinds to 127.0.0.1, before reading anything', async (path) => {
    const before = served;
    for (const host of [`rebind.attacker.example:${server.port}`, 'attacker.example', '127.0.0.1.attacker.example', 'localhost.attacker.example:80']) {
      const response = await get(server.port, path, host);
      expect(response.status, `${path} with Host ${host}`).toBe(421);
      expect(response.body).not.toMatch(/secret|alice|ok\n/);
    }
    expect(served).toBe(before);
  });

  it('still answers loopback names: 127.0.0.1, localhost and [::1], with or without the port', async () => {
    for (const host of [`127.0.0.1:${server.port}`, 'localhost', `LOCALHOST:${server.port}`, `[::1]:${server.port}`]) {
      expect((await get(server.port, '/metrics', host)).body).toBe('cutover_secret_metric 1\n');
      expect((await get(server.port, '/healthz', host)).status).toBe(200);
      expect((await get(server.port, '/readyz', host)).status).toBe(200);
    }
  });
});
