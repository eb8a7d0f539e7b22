/**
 * A throwaway PKI made by openssl for TLS tests: a CA, a server certificate for 127.0.0.1 and
 * localhost, a client certificate (CN dev-1) signed by the CA, and an unrelated CA whose trust
 * must get a client nowhere. Files live in a fresh temporary directory; remove() deletes it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram } from '../../harness/broker/local-programs.ts';
import { requireProgram } from './external-programs.ts';

export interface TestPki {
  readonly dir: string;
  /** Path of a file in the PKI directory: ca.pem, other-ca.pem, server.pem/.key, client.pem/.key. */
  file(name: string): string;
  remove(): void;
}

/** openssl's path, or undefined after a one-line skip notice (CI fails instead). */
export const openssl: string | undefined = findProgram('openssl') ?? requireProgram('openssl', 'openssl');

export function makeTestPki(prefix = 'msp-tls-'): TestPki {
  if (openssl === undefined) throw new Error('openssl not found');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const f = (name: string): string => join(dir, name);
  const ssl = (...args: string[]): void => void execFileSync(openssl, args, { stdio: 'ignore' });
  // EC keys: as trusted as RSA here and many times faster to generate on a loaded machine.
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) ssl('req', '-x509', ...newKey, '-days', '2', '-subj', `/CN=msp-twin test ${ca}`, '-keyout', f(`${ca}.key`), '-out', f(`${ca}.pem`));
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ssl('req', ...newKey, '-subj', `/CN=${who === 'server' ? 'localhost' : 'dev-1'}`, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`));
    ssl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f(`${who}.ext`), '-out', f(`${who}.pem`));
  }
  return { dir, file: f, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
