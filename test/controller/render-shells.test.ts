import { describe, expect, it } from 'vitest';
import { renderDocuments } from '../../src/app/render-documents.js';
import { IMAGE_PULL_SECRET_ANNOTATION, OWNER_LABEL, REFRESHER_ANNOTATION, shellOwner } from '../../src/core/contract.js';
import { renderPullSecrets, SHELL_DOCKER_CONFIG } from '../../src/core/render.js';
import type { ImagePullSecret } from '../../src/generated/image-pull-secret.js';

const imps: ImagePullSecret = {
  apiVersion: 'images.banzaicloud.io/v1alpha1',
  kind: 'ImagePullSecret',
  metadata: { name: 'ecr' },
  spec: {
    registry: { credentials: [{ namespace: 'creds', name: 'ecr-login' }] },
    target: { secret: { name: 'pull', annotations: { team: 'a' } }, namespaces: { names: ['a', 'b'] } },
  },
};

describe('shell rendering', () => {
  it('emits Secrets without token material (an empty docker config), annotated as refresher-managed and naming their ImagePullSecret', () => {
    const expiresAt = new Date('2026-11-22T12:00:00Z');
    const config = { auths: { 'r.example': { username: 'u', password: 'CANARY-pw', auth: 'x' } }, expiresAt };
    const shells = renderPullSecrets(imps, ['a'], config, 'shells');
    expect(shells).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'pull',
          namespace: 'a',
          labels: { 'app.kubernetes.io/managed-by': 'imps-krm', [OWNER_LABEL]: 'ecr' },
          annotations: { [IMAGE_PULL_SECRET_ANNOTATION]: 'ecr', [REFRESHER_ANNOTATION]: 'true', team: 'a' },
        },
        type: 'kubernetes.io/dockerconfigjson',
        // The API server requires .dockerconfigjson, a JSON object, on this type: the empty config grants nothing.
        data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
      },
    ]);
    expect(SHELL_DOCKER_CONFIG).toBe('eyJhdXRocyI6e319');
    expect(JSON.stringify(shells)).not.toContain('CANARY');
    expect(shellOwner(shells[0]!.metadata.annotations)).toBe('ecr');
  });

  it('recognises shells only when the annotation is exactly "true"', () => {
    expect(shellOwner({ [REFRESHER_ANNOTATION]: 'false', [IMAGE_PULL_SECRET_ANNOTATION]: 'x' })).toBeUndefined();
    expect(shellOwner({ [IMAGE_PULL_SECRET_ANNOTATION]: 'x' })).toBeUndefined();
    expect(shellOwner(undefined)).toBeUndefined();
  });

  it('renders shells from manifests without reading sources or minting tokens', async () => {
    const tokens = { fetchToken: () => Promise.reject(new Error('must not be called')) };
    const documents = [imps, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } }].map((value, index) => ({
      value,
      origin: { path: 'in.yaml', index },
    }));
    const result = await renderDocuments(documents, { cluster: 'input', output: 'shells' }, { tokens });
    expect(result.problems).toEqual([]);
    expect(result.secrets.map((secret) => [secret.metadata.namespace, secret.data])).toEqual([
      ['a', { '.dockerconfigjson': SHELL_DOCKER_CONFIG }],
      ['b', { '.dockerconfigjson': SHELL_DOCKER_CONFIG }],
    ]);
  });
});
