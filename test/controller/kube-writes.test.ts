// The controller's writes as a strict API server sees them: what they carry arrives, and what it refuses is refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { KubeApiError, kubeHttp, type KubeHttp } from '../../src/adapters/kube/kube-http.js';
import { deleteSecret } from '../../src/adapters/kube/writes.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { ns } from './harness.js';

let kube: FakeKubeApi;
let http: KubeHttp;
beforeAll(async () => {
  kube = await startFakeKubeApi({ objects: [ns('app')] });
  http = kubeHttp(loadKubeAccess({ kubeconfig: kube.kubeconfigPath })!);
});
afterAll(() => kube.close());

describe('deleteSecret', () => {
  it('sends its uid and resourceVersion preconditions: a Secret recreated under the same name is left alone', async () => {
    const first = kube.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'target', namespace: 'app' } });
    kube.remove('v1', 'Secret', 'target', 'app');
    const second = kube.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'target', namespace: 'app' } });
    const error = await deleteSecret(http, 'app', 'target', first.metadata.uid!, first.metadata.resourceVersion!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).status).toBe(409);
    expect(kube.get('v1', 'Secret', 'target', 'app')?.metadata.uid).toBe(second.metadata.uid);
    expect(kube.requests.at(-1)?.body).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: first.metadata.uid, resourceVersion: first.metadata.resourceVersion } });

    await deleteSecret(http, 'app', 'target', second.metadata.uid!, second.metadata.resourceVersion!);
    expect(kube.get('v1', 'Secret', 'target', 'app')).toBeUndefined();
    // Already gone counts as done.
    await deleteSecret(http, 'app', 'target', second.metadata.uid!, second.metadata.resourceVersion!);
  });
});
