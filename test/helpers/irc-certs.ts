import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export interface SelfSigned {
  certFile: string;
  keyFile: string;
}

/** Temporary directories selfSigned() made; removeCertificates() deletes them. */
const made: string[] = [];

export async function removeCertificates(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * A self-signed P-256 certificate from openssl (argument arrays, no shell), valid for 127.0.0.1
 * and localhost: what a test server presents, and what a test client trusts through ca_file.
 */
export async function selfSigned(name: string, dir?: string): Promise<SelfSigned> {
  let where = dir;
  if (where === undefined) {
    where = await mkdtemp(join(tmpdir(), 'cutover-tls-'));
    made.push(where);
  }
  const certFile = join(where, `${name}.pem`);
  const keyFile = join(where, `${name}.key`);
  await execa('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { certFile, keyFile };
}
