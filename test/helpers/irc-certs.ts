import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface SelfSigned {
  certFile: string;
  keyFile: string;
}

/**
 * A self-signed P-256 certificate from openssl (argument arrays, no shell), valid for 127.0.0.1
 * and localhost: what a test server presents, and what a test client trusts through ca_file.
 */
export async function selfSigned(name: string, dir?: string): Promise<SelfSigned> {
  const where = dir ?? (await mkdtemp(join(tmpdir(), 'cutover-tls-')));
  const certFile = join(where, `${name}.pem`);
  const keyFile = join(where, `${name}.key`);
  await execa('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { certFile, keyFile };
}
