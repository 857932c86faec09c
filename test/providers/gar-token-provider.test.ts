import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import type { GarTokenRequest } from '../../src/core/tokens.js';
import { startFakeGoogle, type FakeGoogle } from '../fakes/google-server.js';
import { withEnv } from '../support/env.js';
import { runTs } from './child.js';
import { cloudTls } from './cloud-tls.js';
import { GOOGLE_ISOLATION, serviceAccountKey } from './google-env.js';

let google: FakeGoogle;
let restoreEnv: () => void;

beforeAll(async () => {
  google = await startFakeGoogle(cloudTls());
  restoreEnv = withEnv({ ...GOOGLE_ISOLATION, GCE_METADATA_HOST: google.metadataHost });
});
afterAll(async () => {
  restoreEnv();
  await google.close();
});
beforeEach(() => google.reset());

describe('Google access tokens from the metadata server (GCE_METADATA_HOST)', () => {
  it('mints a token for oauth2accesstoken with the cloud-platform scope, expiry from expires_in', async () => {
    const before = Date.now();
    const token = await cloudTokenProvider().fetchToken({ provider: 'gar' });
    expect(token).toMatchObject({ username: 'oauth2accesstoken', password: 'ya29.metadata-token-1' });
    const expiry = token.expiresAt!.getTime();
    expect(expiry).toBeGreaterThanOrEqual(before + 3599_000 - 1000);
    expect(expiry).toBeLessThanOrEqual(Date.now() + 3599_000 + 1000);
    expect(google.calls.find((c) => c.endpoint === 'metadata-token')?.params['scopes']).toBe('https://www.googleapis.com/auth/cloud-platform');
  });

  it('names the cause when the metadata server refuses', async () => {
    google.failMetadataToken(404, 'service account not found');
    let message = '';
    try {
      await cloudTokenProvider().fetchToken({ provider: 'gar' });
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    expect(message).toBe(`Google access token (metadata server): ${google.metadataHost}: HTTP 404: service account not found`);
  });
});

describe('Google access tokens from a service-account key (HTTPS_PROXY to oauth2.googleapis.com, child process)', () => {
  const child = async (request: GarTokenRequest) => {
    const run = await runTs('test/providers/run-token.ts', [], {
      ...GOOGLE_ISOLATION,
      IMPS_KRM_TEST_REQUEST: JSON.stringify(request),
      HTTPS_PROXY: google.proxyUrl,
      NODE_EXTRA_CA_CERTS: cloudTls().caFile,
      GCE_METADATA_HOST: google.metadataHost,
    });
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as { token?: { username: string; password: string; expiresAt?: string }; error?: string };
  };

  it('signs a JWT with the key and exchanges it', async () => {
    google.allowServiceAccount('puller@demo.iam.gserviceaccount.com');
    const result = await child({ provider: 'gar', serviceAccountKey: serviceAccountKey('puller@demo.iam.gserviceaccount.com') });
    expect(result).toMatchObject({ token: { username: 'oauth2accesstoken', password: 'ya29.key-token-1' } });
    expect(google.calls.map((c) => c.endpoint)).toEqual(['proxy-connect', 'oauth2-token']);
  });

  it('maps a refused key to the OAuth error, without the key', async () => {
    const key = serviceAccountKey('revoked@demo.iam.gserviceaccount.com');
    const result = await child({ provider: 'gar', serviceAccountKey: key });
    expect(result.error).toMatch(/^Google access token \(service-account key\): invalid_grant.*Invalid JWT Signature/);
    expect(result.error).not.toContain('PRIVATE KEY');
  });
});
