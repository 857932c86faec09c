// A self-signed certificate for the loopback fakes that must speak https: Entra ID (MSAL accepts only https
// authorities) and, behind the CONNECT proxy fake, oauth2.googleapis.com (google-auth-library ignores a key's
// token_uri). Made with the openssl CLI at test time, so no key material is committed. Node reads
// NODE_EXTRA_CA_CERTS only at start-up: the clients that need it run in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CloudTls {
  readonly key: string;
  readonly cert: string;
  /** The certificate's file, for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
}

let cached: CloudTls | undefined;

export function cloudTls(): CloudTls {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'imps-krm-cloud-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const result = spawnSync(
    'openssl',
    [
      'req', '-x509', '-nodes', '-days', '2',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', keyPath, '-out', certPath,
      '-subj', '/CN=imps-krm test fakes',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:oauth2.googleapis.com',
    ],
    { encoding: 'utf8', timeout: 15_000 },
  );
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  cached = { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8'), caFile: certPath };
  return cached;
}
