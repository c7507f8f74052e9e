import { isIP } from 'node:net';
import { showArgv } from '../command-runner.js';
import { planHttpProbe } from './http-probe.js';
import { parseInput } from './parse-input.js';
import { httpProbeRequestSchema, tlsProbeRequestSchema, type HttpProbeRequest, type TlsProbeRequest } from './prober.js';

export interface ProbeDescription {
  kind: 'http' | 'tls';
  /** One line for the channel. */
  summary: string;
  connect: { host: string; port: number };
  sni?: string;
  /** Exactly what goes on the wire after the handshake (http only). */
  request?: { method: 'GET'; path: string; headers: Record<string, string> };
  expect: { status?: number; contentType?: string; minBytes?: number; names: string[]; trust: 'system roots' | 'configured CA' | 'not verified' };
  timeoutMs: number;
  /** The same check by hand, with curl or openssl, for the person who wants to repeat it. */
  equivalent: string;
}

const CA_PLACEHOLDER = '<configured CA bundle>';

/** Dry-run: the exact request a probe would make, without opening a socket. */
export function describeProbe(request: HttpProbeRequest | TlsProbeRequest): ProbeDescription {
  return 'url' in request ? describeHttp(request) : describeTls(request);
}

function describeHttp(request: HttpProbeRequest): ProbeDescription {
  const { signal: _signal, ...data } = request;
  const input = parseInput(httpProbeRequestSchema, data, 'HTTP probe');
  const plan = planHttpProbe(input);
  const trust = !plan.tls || !input.rejectUnauthorized ? 'not verified' : input.ca === undefined ? 'system roots' : 'configured CA';
  const urlPort = plan.url.port === '' ? (plan.tls ? 443 : 80) : Number(plan.url.port);
  const via = input.connectTo === undefined ? '' : ` via ${hostPort(plan.connect.host, plan.connect.port)}`;
  const names = plan.expectedNames.length === 0 ? '' : `, certificate must cover ${plan.expectedNames.join(', ')}`;
  const argv = [
    'curl',
    '--silent',
    '--show-error',
    '--output',
    '/dev/null',
    '--write-out',
    '%{http_code} %{content_type} %{size_download}\\n',
    '--max-time',
    String(input.timeoutMs / 1000),
    ...(input.connectTo === undefined ? [] : ['--connect-to', `${plan.url.hostname}:${urlPort}:${bracket(plan.connect.host)}:${plan.connect.port}`]),
    ...(plan.tls && input.rejectUnauthorized && input.ca !== undefined ? ['--cacert', CA_PLACEHOLDER] : []),
    ...(plan.tls && !input.rejectUnauthorized ? ['--insecure'] : []),
    '--user-agent',
    plan.headers['User-Agent'] ?? '',
    plan.url.href,
  ];
  return {
    kind: 'http',
    summary: `GET ${plan.url.href}${via}, expect ${input.expectStatus} ${String(input.expectContentType)}${names}, within ${input.timeoutMs} ms`,
    connect: plan.connect,
    ...(plan.servername === undefined ? {} : { sni: plan.servername }),
    request: { method: input.method, path: plan.path, headers: plan.headers },
    expect: { status: input.expectStatus, contentType: String(input.expectContentType), minBytes: input.minBytes, names: plan.expectedNames, trust },
    timeoutMs: input.timeoutMs,
    equivalent: showArgv(argv),
  };
}

function describeTls(request: TlsProbeRequest): ProbeDescription {
  const { signal: _signal, ...data } = request;
  const input = parseInput(tlsProbeRequestSchema, data, 'TLS probe');
  const servername = input.servername ?? (isIP(input.host) === 0 ? input.host : undefined);
  const trust = !input.rejectUnauthorized ? 'not verified' : input.ca === undefined ? 'system roots' : 'configured CA';
  const argv = [
    'openssl',
    's_client',
    '-brief',
    '-connect',
    hostPort(input.host, input.port),
    ...(servername === undefined ? ['-noservername'] : ['-servername', servername]),
    ...(input.rejectUnauthorized ? ['-verify_return_error'] : []),
    ...(input.rejectUnauthorized && input.ca !== undefined ? ['-CAfile', CA_PLACEHOLDER] : []),
  ];
  return {
    kind: 'tls',
    summary: `TLS handshake with ${hostPort(input.host, input.port)}${servername === undefined ? '' : ` (SNI ${servername})`}, certificate must cover ${input.expectedNames.join(', ') || 'nothing in particular'}, within ${input.timeoutMs} ms`,
    connect: { host: input.host, port: input.port },
    ...(servername === undefined ? {} : { sni: servername }),
    expect: { names: input.expectedNames, trust },
    timeoutMs: input.timeoutMs,
    equivalent: showArgv(argv),
  };
}

function bracket(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function hostPort(host: string, port: number): string {
  return `${bracket(host)}:${port}`;
}
