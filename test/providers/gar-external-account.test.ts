// docs/security.md, "The rule": a GAR source may carry a service-account key, but only `type: service_account`. An
// `external_account` key names files, URLs and programs: `credential_source.executable.command` is run by
// google-auth-library (when GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1) with the renderer's privileges. Two layers
// keep it from running: the parser refuses the key's type, and the adapter hands the library only the two fields a
// service-account JWT needs, never the key file itself. Each layer is tested alone, with a command that would leave
// a marker file. (This was already refused before issue 8; the test keeps it so.)
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { GarTokenRequest } from '../../src/core/tokens.js';
import { runBuilt, runTs } from './child.js';
import { GOOGLE_ISOLATION } from './google-env.js';

const work = mkdtempSync(join(tmpdir(), 'imps-krm-external-account-'));

function externalAccountKey(marker: string): string {
  return JSON.stringify({
    type: 'external_account',
    audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/pool/providers/provider',
    subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
    token_url: 'https://sts.googleapis.com/v1/token',
    credential_source: { executable: { command: `/usr/bin/touch ${marker}`, timeout_millis: 5000 } },
    // A shape that passes a naive check for the fields a service-account key has.
    client_email: 'puller@demo.iam.gserviceaccount.com',
    private_key: 'not-a-pem',
  });
}

const env = { ...GOOGLE_ISOLATION, GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES: '1' };

describe('GAR: an external_account key never runs its executable', () => {
  it('render refuses the key by field and runs nothing', async () => {
    const marker = join(work, 'render-ran');
    const input = join(work, 'input.yaml');
    writeFileSync(
      input,
      [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'gar', namespace: 'registry-access' },
          type: 'imps-krm.io/gar-login-config',
          stringData: { registry: 'europe-west1-docker.pkg.dev', serviceAccountKey: externalAccountKey(marker) },
        },
        {
          apiVersion: 'images.banzaicloud.io/v1alpha1',
          kind: 'ImagePullSecret',
          metadata: { name: 'gar-pull' },
          spec: { registry: { credentials: [{ name: 'gar', namespace: 'registry-access' }] }, target: { secret: { name: 'pull' }, namespaces: { names: ['app'] } } },
        },
      ]
        .map((object) => stringify(object))
        .join('---\n'),
    );
    const result = await runBuilt(['render', '-f', input, '--cluster', 'input'], env);
    expect(existsSync(marker)).toBe(false);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^error: ImagePullSecret\/gar-pull \([^)]*input\.yaml#2\): source registry-access\.gar: serviceAccountKey: type must be service_account\n$/);
  });

  it('the adapter alone, handed such a key, still runs nothing', async () => {
    const marker = join(work, 'adapter-ran');
    const request: GarTokenRequest = { provider: 'gar', serviceAccountKey: externalAccountKey(marker) };
    const result = await runTs('test/providers/run-token.ts', [], { ...env, IMPS_KRM_TEST_REQUEST: JSON.stringify(request) });
    expect(existsSync(marker)).toBe(false);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: expect.stringMatching(/^Google access token \(service-account key\): /) });
  });
});
