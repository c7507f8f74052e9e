import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface CertificateFiles {
  /** PEM text, ready for node:tls. */
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface CertificateAuthority {
  readonly dir: string;
  /** The throwaway CA every `issue()` certificate chains to. */
  readonly ca: CertificateFiles;
  /** A server certificate signed by the CA, with exactly these SANs (DNS names or IPs). */
  issue(label: string, sans: readonly string[]): Promise<CertificateFiles>;
  /** A self-signed server certificate: right names, but no chain to the CA. */
  selfSigned(label: string, sans: readonly string[]): Promise<CertificateFiles>;
  /** Removes the directory, keys included. */
  dispose(): Promise<void>;
}

export interface CertificateAuthorityOptions {
  /** Where the keys and certificates go (created if missing); a fresh temp dir otherwise. */
  dir?: string;
  /** The CA's subject CN. */
  name?: string;
}

const OPENSSL = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((path) => existsSync(path));
/** P-256 keys: a few milliseconds each, where RSA would cost the lab and the suite whole seconds. */
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const LABEL = /^[a-z0-9][a-z0-9-]{0,60}$/;
const DNS_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*$/;
const IP = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-f:]+$/;

/**
 * A CA and server certificates made with the openssl CLI (argv arrays, no shell). The lab's hosts
 * and the TLS tests both use it. Missing openssl throws: a skipped TLS suite proves nothing.
 */
export async function createCertificateAuthority(options: CertificateAuthorityOptions = {}): Promise<CertificateAuthority> {
  if (OPENSSL === undefined) throw new Error('TLS tests and the lab need the openssl CLI (apt-get install openssl).');
  const openssl = OPENSSL;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'cutover-tls-')));
  await mkdir(dir, { recursive: true });
  const run = async (args: string[]): Promise<void> => {
    const result = await execa(openssl, args, { cwd: dir, reject: false, stdin: 'ignore', timeout: 15_000 });
    if (result.exitCode !== 0) throw new Error(`openssl ${args.join(' ')} failed (${String(result.exitCode)}):\n${result.stderr}`);
  };
  const files = async (label: string): Promise<CertificateFiles> => {
    const certFile = join(dir, `${label}.crt`);
    const keyFile = join(dir, `${label}.key`);
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8'), certFile, keyFile };
  };
  const serverArgs = (label: string, sans: readonly string[]): string[] => {
    if (!LABEL.test(label)) throw new Error(`bad certificate label ${label}`);
    if (sans.length === 0) throw new Error('a server certificate needs at least one SAN');
    const entries = sans.map((san) => {
      if (IP.test(san)) return `IP:${san}`;
      if (DNS_NAME.test(san)) return `DNS:${san}`;
      throw new Error(`bad SAN ${san}`);
    });
    return [
      'req', '-x509', '-new', ...KEY_ARGS,
      '-keyout', `${label}.key`, '-out', `${label}.crt`, '-days', '2',
      '-subj', `/CN=${sans[0] ?? label}`,
      '-addext', `subjectAltName=${entries.join(',')}`,
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment',
      '-addext', 'extendedKeyUsage=serverAuth',
    ];
  };

  await run([
    'req', '-x509', '-new', ...KEY_ARGS,
    '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
    '-subj', `/CN=${options.name ?? 'cutover test CA'}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const ca = await files('ca');

  return {
    dir,
    ca,
    async issue(label, sans) {
      // OpenSSL 3's `req -x509 -CA` signs with the CA in one step.
      await run([...serverArgs(label, sans), '-CA', 'ca.crt', '-CAkey', 'ca.key']);
      return files(label);
    },
    async selfSigned(label, sans) {
      await run(serverArgs(label, sans));
      return files(label);
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}
