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

let cached: SelfSignedCert | null | undefined;

/** Certificate valid for 127.0.0.1, ::1 and localhost. Generated once per process. */
export function selfSignedCert(): SelfSignedCert | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fake-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    const r = spawnSync(
      'openssl',
      [
        'req', '-x509', '-nodes', '-days', '2',
        '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
        '-keyout', keyPath, '-out', certPath,
        '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
      ],
      { encoding: 'utf8', timeout: 15_000 },
    );
    cached = r.status === 0 ? { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') } : null;
  } catch {
    cached = null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return cached ?? undefined;
}
