// The controller keeping msi-acrpull's AcrPullBindings (--acr-pull-bindings): the real ACR provider against the
// Azure fake (IMDS and the token service over loopback http), the fake API server with the shipped admission
// policies (deploy/controller and deploy/acrpull) judging every write, and the garbage collector on.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { kubeHttp } from '../../src/adapters/kube/kube-http.js';
import { serviceAccountTokens } from '../../src/adapters/kube/service-account-tokens.js';
import { cloudTokenProvider } from '../../src/adapters/cloud-token-provider.js';
import { Controller } from '../../src/controller/imps/controller.js';
import { jsonLogger } from '../../src/controller/runtime/logger.js';
import { createMetrics } from '../../src/controller/runtime/metrics.js';
import { bindingDefaultsFrom } from '../../src/core/acr-pull-binding.js';
import { Redactor } from '../../src/core/redaction.js';
import type { TokenRequest } from '../../src/core/tokens.js';
import type { TokenProvider } from '../../src/ports/tokens.js';
import { CONTROLLER } from '../admission/attempts.js';
import { ACRPULL_POLICIES, assertAdmitted, CONTROLLER_POLICIES, policyAdmission, type PolicyAdmission } from '../admission/fake-admission.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure-server.js';
import { fakeJwt } from '../fakes/fake-jwt.js';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { cloudTls } from '../providers/cloud-tls.js';
import { withEnv } from '../support/env.js';
import { FakeTimers } from './fake-timers.js';
import { dockerConfigOf, ns, START, waitFor } from './harness.js';

const V1 = 'msi-acrpull.microsoft.com/v1beta1';
const V2 = 'acrpull.microsoft.com/v1beta2';
const CLIENT = '11111111-aaaa-bbbb-cccc-000000000001';
const RESOURCE_ID = '/subscriptions/712288dc-f816-4242-b73f-a0a87265dcc8/resourceGroups/my-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/my-acr-puller';

let azure: FakeAzure;
let restoreEnv: () => void;
beforeAll(async () => {
  azure = await startFakeAzure(cloudTls());
  restoreEnv = withEnv({ AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl });
});
afterAll(async () => {
  restoreEnv();
  await azure.close();
});

const sa = (namespace: string, name = 'default', extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace }, ...extra });

function bindingV1(namespace: string, name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: V1, kind: 'AcrPullBinding', metadata: { name, namespace, ...meta }, spec };
}
function bindingV2(namespace: string, name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: V2, kind: 'AcrPullBinding', metadata: { name, namespace, ...meta }, spec };
}

interface BindingRig {
  kube: FakeKubeApi;
  timers: FakeTimers;
  controller: Controller;
  admission: PolicyAdmission;
  requests: TokenRequest[];
  metrics: ReturnType<typeof createMetrics>;
  logs: () => string;
  close: () => Promise<void>;
}

let rig: BindingRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  azure.reset();
});

/** The controller as `imps-krm controller --acr-pull-bindings` builds it, with `env` as its environment. */
async function start(objects: KubeObject[], options: { env?: Record<string, string>; labelSelector?: string; tokens?: (real: TokenProvider) => TokenProvider; garbageCollection?: boolean } = {}): Promise<BindingRig> {
  const admission = policyAdmission(CONTROLLER_POLICIES, ACRPULL_POLICIES);
  const kube = await startFakeKubeApi({ objects, bookmarkIntervalMs: 200, users: { 'fake-token': CONTROLLER }, admission: admission.hook, garbageCollection: options.garbageCollection ?? true });
  const timers = new FakeTimers(START);
  azure.setNow(() => timers.now());
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (lines.push(chunk.toString()), cb()) });
  const redactor = new Redactor();
  const metrics = createMetrics({ processMetrics: false });
  const http = kubeHttp(loadKubeAccess({ kubeconfig: kube.kubeconfigPath })!);
  const env = { IMPS_KRM_INSECURE_REGISTRY_HOSTS: '127.0.0.1', ...options.env };
  const real = cloudTokenProvider(env, { serviceAccounts: serviceAccountTokens(http), remember: (secret) => redactor.remember(secret) });
  const requests: TokenRequest[] = [];
  const provider = options.tokens ? options.tokens(real) : real;
  const controller = new Controller({
    http,
    tokens: { fetchToken: (request) => (requests.push(request), provider.fetchToken(request)) },
    timers,
    log: jsonLogger(sink, redactor, timers, 'debug'),
    metrics,
    redactor,
    backoff: { baseMs: 50, maxMs: 500 },
    acrPullBindings: { labelSelector: options.labelSelector, defaults: bindingDefaultsFrom(env) },
  });
  await controller.start();
  const started: BindingRig = {
    kube,
    timers,
    controller,
    admission,
    requests,
    metrics,
    logs: () => lines.join(''),
    close: async () => {
      await controller.stop();
      await kube.close();
      assertAdmitted(admission);
    },
  };
  rig = started;
  return started;
}

const secret = (kube: FakeKubeApi, namespace: string, name: string): KubeObject | undefined => kube.get('v1', 'Secret', name, namespace);
const statusOf = (kube: FakeKubeApi, apiVersion: string, namespace: string, name: string): Record<string, unknown> | undefined =>
  kube.get(apiVersion, 'AcrPullBinding', name, namespace)?.['status'] as Record<string, unknown> | undefined;
const pullSecretsOf = (kube: FakeKubeApi, namespace: string, name = 'default'): unknown => kube.get('v1', 'ServiceAccount', name, namespace)?.['imagePullSecrets'];

describe('AcrPullBinding in the controller', () => {
  it("msi-acrpull's README sample (v1beta1, resource id): Secret <binding>-msi-acrpull-secret in the binding's namespace, owned by the binding, listed in `default`, status written", async () => {
    azure.allowManagedIdentity(RESOURCE_ID);
    const registry = azure.httpUrl;
    const { kube } = await start([ns('app'), sa('app'), bindingV1('app', 'acrpulltest', { acrServer: registry, managedIdentityResourceID: RESOURCE_ID })]);
    const written = await waitFor(() => secret(kube, 'app', 'acrpulltest-msi-acrpull-secret'));
    const binding = kube.get(V1, 'AcrPullBinding', 'acrpulltest', 'app')!;
    expect(written['type']).toBe('kubernetes.io/dockerconfigjson');
    expect(written.metadata.labels).toEqual({ 'acr.microsoft.com/binding': 'acrpulltest', 'app.kubernetes.io/managed-by': 'imps-krm', 'imps-krm.io/owner': 'acrpullbinding_v1beta1_app_acrpulltest' });
    expect(written.metadata['ownerReferences']).toEqual([{ apiVersion: V1, kind: 'AcrPullBinding', name: 'acrpulltest', uid: binding.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const auth = dockerConfigOf(written)!.auths[registry]!;
    expect(auth).toMatchObject({ username: '00000000-0000-0000-0000-000000000000' });
    expect(azure.calls.find((call) => call.endpoint === 'imds')?.params['msi_res_id'] ?? azure.calls.find((call) => call.endpoint === 'imds')?.params['mi_res_id']).toBe(RESOURCE_ID);
    await waitFor(() => JSON.stringify(pullSecretsOf(kube, 'app')) === JSON.stringify([{ name: 'acrpulltest-msi-acrpull-secret' }]));
    const status = await waitFor(() => (statusOf(kube, V1, 'app', 'acrpulltest')?.['tokenExpirationTime'] ? statusOf(kube, V1, 'app', 'acrpulltest') : undefined));
    expect(status).toEqual({ lastTokenRefreshTime: expect.stringMatching(/^2026-11-22T00:00:0\dZ$/), tokenExpirationTime: expect.stringMatching(/^2026-11-22T03:00:0\dZ$/) });
    expect(written.metadata.annotations).toEqual({ 'imps-krm.io/expires-at': status['tokenExpirationTime'] });
    // The token in the gauges the alerts read, under the binding's source key; one line when it was obtained.
    const expiry = (await rig!.metrics.registry.metrics()).split('\n').find((line) => line.startsWith('imps_krm_token_expiry_timestamp_seconds{source="acrpullbinding_v1beta1_app_acrpulltest.acr"}'));
    expect(expiry).toBeDefined();
    await waitFor(() => rig!.logs().includes('"msg":"token obtained","acrPullBinding":"app/acrpulltest"'));
  });

  it('v1beta1 defaults from the operator (ACR_SERVER, MANAGED_IDENTITY_CLIENT_ID), serviceAccountName honoured; a client id wins over a resource id', async () => {
    azure.allowManagedIdentity(CLIENT);
    const { kube } = await start(
      [ns('team'), sa('team', 'builder'), bindingV1('team', 'pull', { acrServer: '', managedIdentityResourceID: RESOURCE_ID, serviceAccountName: 'builder' })],
      { env: { ACR_SERVER: azure.httpUrl, MANAGED_IDENTITY_CLIENT_ID: CLIENT } },
    );
    await waitFor(() => secret(kube, 'team', 'pull-msi-acrpull-secret'));
    expect(azure.calls.find((call) => call.endpoint === 'imds')?.params['client_id']).toBe(CLIENT);
    await waitFor(() => JSON.stringify(pullSecretsOf(kube, 'team', 'builder')) === JSON.stringify([{ name: 'pull-msi-acrpull-secret' }]));
    expect(pullSecretsOf(kube, 'team')).toBeUndefined();
  });

  it('v1beta2 managed identity, scoped: Secret acr-pull-<binding>, other imagePullSecrets entries kept, our record on the ServiceAccount', async () => {
    azure.allowManagedIdentity(CLIENT);
    const { kube } = await start([
      ns('team'),
      sa('team', 'app', { imagePullSecrets: [{ name: 'handmade' }] }),
      bindingV2('team', 'pull-app', { acr: { server: azure.httpUrl, scope: 'repository:team/app:pull', environment: 'PublicCloud' }, auth: { managedIdentity: { clientID: CLIENT } }, serviceAccountName: 'app' }),
    ]);
    const written = await waitFor(() => secret(kube, 'team', 'acr-pull-pull-app'));
    expect(written.metadata.annotations?.['imps-krm.io/expires-at']).toBe('2026-11-22T01:15:00Z');
    const account = await waitFor(() => {
      const found = kube.get('v1', 'ServiceAccount', 'app', 'team');
      return (found?.['imagePullSecrets'] as unknown[] | undefined)?.length === 2 && found;
    });
    expect(account['imagePullSecrets']).toEqual([{ name: 'handmade' }, { name: 'acr-pull-pull-app' }]);
    expect(account.metadata.annotations).toEqual({ 'imps-krm.io/added-pull-secrets': 'acrpullbinding_v1beta2_team_pull-app/acr-pull-pull-app' });
    await waitFor(() => statusOf(kube, V2, 'team', 'pull-app')?.['tokenExpirationTime'] === '2026-11-22T01:15:00Z');
  });

  it('renews at the TTL fraction (--ttl-rotation-fraction, default 0.5) and rewrites the status times', async () => {
    azure.allowManagedIdentity(CLIENT);
    const { kube, timers } = await start([
      ns('team'),
      sa('team'),
      bindingV2('team', 'pull', { acr: { server: azure.httpUrl, scope: 'repository:team/app:pull' }, auth: { managedIdentity: { clientID: CLIENT } }, serviceAccountName: 'default' }),
    ]);
    await waitFor(() => statusOf(kube, V2, 'team', 'pull')?.['tokenExpirationTime'] === '2026-11-22T01:15:00Z');
    const first = secret(kube, 'team', 'acr-pull-pull')!;
    timers.advance(37 * 60_000); // before half of the 75-minute token
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(secret(kube, 'team', 'acr-pull-pull')!.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    timers.advance(60_000); // 38 min: past 37.5
    // The fake clock runs on from START in real time too: seconds may tick while the test runs.
    const status = await waitFor(() => (/^2026-11-22T01:53:0\dZ$/.test(String(statusOf(kube, V2, 'team', 'pull')?.['tokenExpirationTime'])) ? statusOf(kube, V2, 'team', 'pull') : undefined));
    expect(status).toEqual({ lastTokenRefreshTime: expect.stringMatching(/^2026-11-22T00:38:0\dZ$/), tokenExpirationTime: expect.stringMatching(/^2026-11-22T01:53:0\dZ$/) });
    expect(secret(kube, 'team', 'acr-pull-pull')!.metadata.annotations?.['imps-krm.io/expires-at']).toBe(status['tokenExpirationTime']);
  });

  it('workload identity: the token is requested for the binding\'s own ServiceAccount (audience api://AzureCRTokenExchange), never the controller\'s identity', async () => {
    const seen: string[] = [];
    const { kube, requests } = await start(
      [
        ns('team'),
        sa('team', 'puller', { metadata: { name: 'puller', namespace: 'team', annotations: { 'azure.workload.identity/client-id': CLIENT, 'azure.workload.identity/tenant-id': 'tenant-1' } } }),
        bindingV2('team', 'wi', { acr: { server: azure.httpUrl, scope: 'repository:team/app:pull' }, auth: { workloadIdentity: { serviceAccountRef: 'puller' } }, serviceAccountName: 'puller' }),
      ],
      {
        // Entra ID is https-only (MSAL), which this in-process test cannot trust: the real exchange with a ServiceAccount
        // token runs in test/controller/acr-pull-process.test.ts. Here, the request the controller makes.
        tokens: () => ({
          fetchToken: async (request) => {
            seen.push(JSON.stringify(request));
            return { username: '00000000-0000-0000-0000-000000000000', password: fakeJwt({ exp: START.getTime() / 1000 + 3600 }), expiresAt: new Date(START.getTime() + 3600_000) };
          },
        }),
      },
    );
    await waitFor(() => secret(kube, 'team', 'acr-pull-wi'));
    expect(requests[0]).toMatchObject({ provider: 'acr', registry: azure.httpUrl, scope: 'repository:team/app:pull', cloud: 'PublicCloud', identity: { kind: 'ServiceAccountToken', namespace: 'team', serviceAccount: 'puller' } });
    expect(seen).toHaveLength(1);
  });

  it('a registry outside the allowed suffixes is refused before any identity is asked; the error is on the binding', async () => {
    const { kube } = await start(
      [ns('team'), sa('team'), bindingV1('team', 'evil', { acrServer: 'registry.example.com', managedIdentityClientID: CLIENT })],
      { env: { IMPS_KRM_ACR_ALLOWED_SUFFIXES: 'azurecr.io' } },
    );
    const status = await waitFor(() => statusOf(kube, V1, 'team', 'evil')?.['error'] as string | undefined);
    expect(status).toContain('registry.example.com is not in the allowed suffixes (azurecr.io)');
    expect(azure.calls).toEqual([]);
    expect(secret(kube, 'team', 'evil-msi-acrpull-secret')).toBeUndefined();
  });

  it('--label-selector: only the bindings it selects are kept', async () => {
    azure.allowManagedIdentity(CLIENT);
    const spec = { acrServer: azure.httpUrl, managedIdentityClientID: CLIENT };
    const { kube, logs } = await start([ns('a'), sa('a'), bindingV1('a', 'mine', spec, { labels: { shard: 'one' } }), bindingV1('a', 'theirs', spec, { labels: { shard: 'two' } })], { labelSelector: 'shard=one' });
    await waitFor(() => secret(kube, 'a', 'mine-msi-acrpull-secret'));
    // The other shard's binding is not even listed: the controller starts with one.
    expect(logs()).toContain('"msg":"controller started","imagePullSecrets":0,"acrPullBindings":1');
    expect(kube.requests.filter((request) => request.path.endsWith('/acrpullbindings')).every((request) => request.query['labelSelector'] === 'shard=one')).toBe(true);
    expect(secret(kube, 'a', 'theirs-msi-acrpull-secret')).toBeUndefined();
    expect(statusOf(kube, V1, 'a', 'theirs')).toBeUndefined();
  });

  it("a shell naming a binding is filled in the binding's namespace only: another namespace's owner cannot borrow its identity", async () => {
    azure.allowManagedIdentity(CLIENT);
    const shell = (namespace: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pull-msi-acrpull-secret', namespace, labels: { 'imps-krm.io/owner': 'acrpullbinding_v1beta1_team_pull', 'app.kubernetes.io/managed-by': 'imps-krm' }, annotations: { 'imps-krm.io/refresher-managed': 'true', 'imps-krm.io/image-pull-secret': 'acrpullbinding_v1beta1_team_pull' } },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
    });
    const { kube } = await start([ns('team'), ns('thief'), sa('team'), shell('team'), shell('thief'), bindingV1('team', 'pull', { acrServer: azure.httpUrl, managedIdentityClientID: CLIENT })]);
    await waitFor(() => Object.keys(dockerConfigOf(secret(kube, 'team', 'pull-msi-acrpull-secret'))?.auths ?? {}).length === 1);
    const status = await waitFor(() => statusOf(kube, V1, 'team', 'pull')?.['error'] as string | undefined);
    expect(status).toContain("shell thief/pull-msi-acrpull-secret not filled: an AcrPullBinding's Secret belongs in its own namespace team");
    expect(dockerConfigOf(secret(kube, 'thief', 'pull-msi-acrpull-secret'))).toEqual({ auths: {} });
  });

  it('an invalid binding: the field error in status, nothing written', async () => {
    const { kube } = await start([ns('team'), sa('team'), bindingV2('team', 'both', { acr: { server: 'x.azurecr.io', scope: 'repository:a:pull' }, auth: { managedIdentity: { clientID: CLIENT, resourceID: RESOURCE_ID } }, serviceAccountName: 'default' })]);
    const error = await waitFor(() => statusOf(kube, V2, 'team', 'both')?.['error'] as string | undefined);
    expect(error).toBe('invalid spec: spec.auth.managedIdentity: only client or resource ID can be set: give exactly one of clientID and resourceID');
    expect(kube.list('v1', 'Secret', 'team')).toEqual([]);
  });
});

describe("msi-acrpull's Secrets and finalizer", () => {
  /** What msi-acrpull v0.1.4 leaves: its finalizer on the binding, its Secret (label, annotations, controller reference), the entry in the ServiceAccount. */
  function msiAcrPullState(uid: string): KubeObject[] {
    return [
      ns('app'),
      sa('app', 'default', { imagePullSecrets: [{ name: 'other' }, { name: 'acr-pull-pull' }] }),
      bindingV2('app', 'pull', { acr: { server: azure.httpUrl, scope: 'repository:app:pull', environment: 'PublicCloud' }, auth: { managedIdentity: { clientID: CLIENT } }, serviceAccountName: 'default' }, { uid, finalizers: ['msi-acrpull.microsoft.com'] }),
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'acr-pull-pull',
          namespace: 'app',
          labels: { 'acr.microsoft.com/binding': 'pull' },
          annotations: { 'acr.microsoft.com/token.expiry': '2026-11-22T00:30:00Z', 'acr.microsoft.com/token.refresh': '2026-11-21T23:15:00Z', 'acr.microsoft.com/token.inputs': 'abc' },
          ownerReferences: [{ apiVersion: V2, kind: 'AcrPullBinding', name: 'pull', uid, controller: true, blockOwnerDeletion: true }],
        },
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'x.azurecr.io': { username: '00000000-0000-0000-0000-000000000000', password: 'old' } } })).toString('base64') },
      },
    ];
  }

  it('adopts the Secret in place (same uid, owner reference unchanged, its stale token records dropped) and takes over its ServiceAccount entry', async () => {
    azure.allowManagedIdentity(CLIENT);
    const uid = '6a1e2c3d-0000-4000-8000-000000000001';
    const { kube, logs } = await start(msiAcrPullState(uid));
    const before = secret(kube, 'app', 'acr-pull-pull')!;
    const adopted = await waitFor(() => {
      const found = secret(kube, 'app', 'acr-pull-pull');
      return found?.metadata.labels?.['imps-krm.io/owner'] !== undefined ? found : undefined;
    });
    expect(adopted.metadata.uid).toBe(before.metadata.uid);
    expect(adopted.metadata['ownerReferences']).toEqual(before.metadata['ownerReferences']);
    expect(adopted.metadata.annotations).toEqual({ 'imps-krm.io/expires-at': '2026-11-22T01:15:00Z' });
    expect(adopted.metadata.labels).toEqual({ 'acr.microsoft.com/binding': 'pull', 'app.kubernetes.io/managed-by': 'imps-krm', 'imps-krm.io/owner': 'acrpullbinding_v1beta2_app_pull' });
    await waitFor(() => logs().includes('"msg":"Secret adopted"'));
    expect(logs()).toContain('"from":"msi-acrpull"');
    const account = await waitFor(() => {
      const found = kube.get('v1', 'ServiceAccount', 'default', 'app');
      return found?.metadata.annotations?.['imps-krm.io/added-pull-secrets'] !== undefined ? found : undefined;
    });
    expect(account['imagePullSecrets']).toEqual([{ name: 'other' }, { name: 'acr-pull-pull' }]);
    expect(account.metadata.annotations?.['imps-krm.io/added-pull-secrets']).toBe('acrpullbinding_v1beta2_app_pull/acr-pull-pull');
    expect(kube.get(V2, 'AcrPullBinding', 'pull', 'app')?.metadata['finalizers']).toEqual(['msi-acrpull.microsoft.com']);
  });

  it("deleting the binding: msi-acrpull's clean-up (the ServiceAccount entry, then the finalizer), then the garbage collector removes the Secret", async () => {
    azure.allowManagedIdentity(CLIENT);
    const uid = '6a1e2c3d-0000-4000-8000-000000000002';
    const { kube } = await start(msiAcrPullState(uid));
    await waitFor(() => kube.get('v1', 'ServiceAccount', 'default', 'app')?.metadata.annotations?.['imps-krm.io/added-pull-secrets']);
    kube.remove(V2, 'AcrPullBinding', 'pull', 'app');
    await waitFor(() => kube.get(V2, 'AcrPullBinding', 'pull', 'app') === undefined).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${rig?.logs()}\n${JSON.stringify(kube.get(V2, 'AcrPullBinding', 'pull', 'app'))}`);
    });
    await waitFor(() => secret(kube, 'app', 'acr-pull-pull') === undefined);
    expect(pullSecretsOf(kube, 'app')).toEqual([{ name: 'other' }]);
    expect(kube.get('v1', 'ServiceAccount', 'default', 'app')?.metadata.annotations?.['imps-krm.io/added-pull-secrets']).toBeUndefined();
  });

  it('a binding deleted before it was ever reconciled by us: its msi-acrpull entry is taken over first, then removed, then the finalizer', async () => {
    const uid = '6a1e2c3d-0000-4000-8000-000000000003';
    const state = msiAcrPullState(uid).map((object) => (object.kind === 'AcrPullBinding' ? { ...object, metadata: { ...object.metadata, deletionTimestamp: '2026-11-21T23:59:00Z' } } : object));
    const { kube } = await start(state);
    await waitFor(() => kube.get(V2, 'AcrPullBinding', 'pull', 'app') === undefined);
    expect(pullSecretsOf(kube, 'app')).toEqual([{ name: 'other' }]);
    await waitFor(() => secret(kube, 'app', 'acr-pull-pull') === undefined);
  });

  it("the CRD being deleted (msi-acrpull's Helm chart uninstalled): the finalizer is kept, the Secret stays and is still renewed, the binding says why", async () => {
    azure.allowManagedIdentity(CLIENT);
    const uid = '6a1e2c3d-0000-4000-8000-000000000004';
    const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'acrpullbindings.acrpull.microsoft.com', finalizers: ['customresourcecleanup.apiextensions.k8s.io'] }, spec: {} };
    const { kube, logs } = await start([crd, ...msiAcrPullState(uid)]);
    await waitFor(() => secret(kube, 'app', 'acr-pull-pull')?.metadata.labels?.['imps-krm.io/owner']);
    kube.remove('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'acrpullbindings.acrpull.microsoft.com');
    const error = await waitFor(() => statusOf(kube, V2, 'app', 'pull')?.['error'] as string | undefined);
    expect(error).toContain('the CRD of this binding is being deleted: the finalizer msi-acrpull.microsoft.com is kept');
    expect(kube.get(V2, 'AcrPullBinding', 'pull', 'app')?.metadata['deletionTimestamp']).toBeDefined();
    expect(secret(kube, 'app', 'acr-pull-pull')).toBeDefined();
    expect(pullSecretsOf(kube, 'app')).toEqual([{ name: 'other' }, { name: 'acr-pull-pull' }]);
    expect(logs()).toContain('AcrPullBinding CRD is being deleted');
  });
});
