// Self-signed certificates for loopback TLS servers in tests, made with the
// openssl CLI at runtime so no key material is committed. Returns undefined
// when openssl is unavailable; callers fall back to plain http.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedCert {
  /** PEM private key (EC P-256). */
  key: string;
  /** PEM certificate; also serves as its own CA in a kubeconfig's certificate-authority-data. */
  cert: string;
}

export interface GeneratedCert extends SelfSignedCert {
  /** The certificate's file, left in a temp folder, e.g. for NODE_EXTRA_CA_CERTS. */
  certFile: string;
}

/** A new EC P-256 certificate for `subjectAltName` (e.g. `IP:127.0.0.1,DNS:localhost`), or undefined without openssl. */
export function generateCert(subject: string, subjectAltName: string): GeneratedCert | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'fake-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  try {
    const r = spawnSync(
      'openssl',
      [
        'req', '-x509', '-nodes', '-days', '2',
        '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
        '-keyout', keyPath, '-out', certFile,
        '-subj', subject,
        '-addext', `subjectAltName=${subjectAltName}`,
      ],
      { encoding: 'utf8', timeout: 15_000 },
    );
    if (r.status === 0) return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
  } catch {
    // openssl missing: fall through.
  }
  rmSync(dir, { recursive: true, force: true });
  return undefined;
}

let cached: SelfSignedCert | null | undefined;

/** Certificate valid for 127.0.0.1, ::1 and localhost. Generated once per process. */
export function selfSignedCert(): SelfSignedCert | undefined {
  if (cached === undefined) cached = generateCert('/CN=127.0.0.1', 'IP:127.0.0.1,IP:::1,DNS:localhost') ?? null;
  return cached ?? undefined;
}
