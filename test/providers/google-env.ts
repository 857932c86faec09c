import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Keeps google-auth-library away from the developer's gcloud configuration and ADC file. */
export const GOOGLE_ISOLATION: Record<string, string | undefined> = {
  CLOUDSDK_CONFIG: join(tmpdir(), 'imps-krm-tests-no-gcloud-config'),
  GOOGLE_APPLICATION_CREDENTIALS: undefined,
  GCE_METADATA_IP: undefined,
};

/** A service-account key file with a fresh RSA key (the library really signs the JWT). */
export function serviceAccountKey(email: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return JSON.stringify({
    type: 'service_account',
    project_id: 'demo',
    private_key_id: 'k1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    client_id: '1',
    token_uri: 'https://oauth2.googleapis.com/token',
  });
}
