import { isIP } from 'node:net';
import * as z from 'zod';

/**
 * Why a probe failed, as a stable code a gate or the channel can act on. Each one is a way a
 * pool member can look alive to pybal's TCP and ProxyFetch checks and still fail users.
 */
export type ProbeErrorCode =
  | 'timeout'
  | 'refused'
  | 'dns'
  | 'unreachable'
  | 'reset'
  | 'tls'
  | 'names'
  | 'status'
  | 'content-type'
  | 'body'
  | 'protocol';

export interface ProbeFailure {
  code: ProbeErrorCode;
  /** One line for the channel. */
  message: string;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** DNS names and IP addresses from subjectAltName, in certificate order. */
  sans: string[];
  notBefore: string;
  /** ISO 8601. */
  notAfter: string;
  fingerprint256: string;
}

const hostSchema = z.string().refine((host) => isIP(host) !== 0 || z.hostname().safeParse(host).success, { error: 'a host name or IP address' });
const portSchema = z.int().min(1).max(65535);
/** A name a certificate must cover: a DNS name or an IP address, never a pattern. */
const expectedNameSchema = z
  .string()
  .max(253)
  .refine((name) => isIP(name) !== 0 || /^[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*\.?$/i.test(name), {
    error: 'a DNS name or IP address (no wildcards)',
  });
const timeoutSchema = z.int().min(1).max(120_000);
const trustShape = {
  /** PEM bundle that replaces the system roots, e.g. the Puppet CA. */
  ca: z.string().includes('-----BEGIN CERTIFICATE-----', { error: 'a PEM certificate bundle' }).optional(),
  /** false accepts any chain (the names are still checked). Only tests and last resorts want this. */
  rejectUnauthorized: z.boolean().default(true),
};

export const endpointSchema = z.strictObject({ host: hostSchema, port: portSchema });
export type Endpoint = z.infer<typeof endpointSchema>;

export const tlsProbeRequestSchema = z.strictObject({
  host: hostSchema,
  port: portSchema,
  /** SNI; defaults to host unless host is an IP address (SNI never carries IPs). */
  servername: z.hostname().optional(),
  expectedNames: z.array(expectedNameSchema).max(50),
  timeoutMs: timeoutSchema,
  ...trustShape,
});

export const httpProbeRequestSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
    .refine((url) => !/^https?:\/\/[^/]*@/.test(url), { error: 'a URL without credentials' }),
  /**
   * Connect here instead of to the URL's host, keeping the URL's Host header and SNI: curl's
   * --connect-to. This is how one real server or the VIP is probed with the public name.
   */
  connectTo: endpointSchema.optional(),
  method: z.literal('GET').default('GET'),
  expectStatus: z.int().min(100).max(599).default(200),
  expectContentType: z.instanceof(RegExp).default(/^image\//),
  /** Names the certificate must cover; defaults to the URL's host. [] skips the check. */
  expectedNames: z.array(expectedNameSchema).max(50).optional(),
  /** An empty 200 is not a tile. */
  minBytes: z.int().min(0).default(1),
  /** Reading stops (and the probe fails) past this, so a runaway body cannot pin the bot. */
  maxBytes: z.int().min(1).default(8 * 1024 * 1024),
  timeoutMs: timeoutSchema,
  ...trustShape,
});

/** Inputs as callers write them (defaults optional); signal is not data, so it sits beside. */
export type TlsProbeRequest = z.input<typeof tlsProbeRequestSchema> & { signal?: AbortSignal };
export type HttpProbeRequest = z.input<typeof httpProbeRequestSchema> & { signal?: AbortSignal };

export interface TlsProbeResult {
  ok: boolean;
  /** host:port actually connected to. */
  target: string;
  latencyMs: number;
  /** Present whenever the handshake completed, trusted or not, so the channel can say why. */
  certificate?: CertificateInfo;
  /** The chain verified against the configured roots. */
  trusted: boolean;
  namesOk: boolean;
  missingNames: string[];
  protocol?: string;
  error?: ProbeFailure;
}

export interface HttpProbeTimings {
  connectMs?: number;
  tlsMs?: number;
  firstByteMs?: number;
}

export interface HttpProbeResult {
  ok: boolean;
  url: string;
  /** host:port actually connected to. */
  target: string;
  status?: number;
  contentType?: string;
  /** Body bytes read (the whole body when ok). */
  bytes: number;
  latencyMs: number;
  /** Milliseconds from the start of the probe to each milestone. */
  timings: HttpProbeTimings;
  certificate?: CertificateInfo;
  error?: ProbeFailure;
}

/**
 * Real requests to a host:port, the way a user's request would arrive. Target failures
 * (timeouts, 503s, wrong certificates) are results with ok=false; only bad input
 * (`input.invalid`) and cancellation (`adapter.cancelled`) throw.
 */
export interface Prober {
  readonly kind: string;
  probeTls(request: TlsProbeRequest): Promise<TlsProbeResult>;
  probeHttp(request: HttpProbeRequest): Promise<HttpProbeResult>;
}
