// Issue 14's migration from msi-acrpull, end to end against the test API server with its garbage collector on:
// msi-acrpull installed by its Helm chart (both CRDs are templates of the release), its bindings (v1beta2, the
// README's v1beta1, and an old unlabelled v1beta1 Secret) each with msi-acrpull's finalizer, Secret and
// ServiceAccount entry; `imps-krm migrate`; the CRDs kept out of the release; imps-krm's CRDs applied over msi-acrpull's;
// the imps-krm controller started (the built CLI, --acr-pull-bindings, its writes judged by the shipped admission
// policies); msi-acrpull uninstalled. After every step, and continuously while the controller starts, every binding's
// namespace holds its valid pull Secret, listed in its ServiceAccount. Controls: a plain `helm uninstall` while
// msi-acrpull runs loses every Secret; the same with imps-krm running loses none (it holds the finalizers).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUILT_CLI, REPO, run } from '../e2e/cli-on-path.js';
import { CONTROLLER } from '../admission/attempts.js';
import { ACRPULL_POLICIES, assertAdmitted, CONTROLLER_POLICIES, policyAdmission } from '../admission/fake-admission.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure-server.js';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { cloudTls } from '../providers/cloud-tls.js';
import { waitFor } from '../support/wait-for.js';
import { b64, dockerConfigOf, ns } from './harness.js';

const V1 = 'msi-acrpull.microsoft.com/v1beta1';
const V2 = 'acrpull.microsoft.com/v1beta2';
const CRD_API = 'apiextensions.k8s.io/v1';
const CRDS = ['acrpullbindings.msi-acrpull.microsoft.com', 'acrpullbindings.acrpull.microsoft.com'];
const CLIENT = '11111111-aaaa-bbbb-cccc-000000000001';
const RESOURCE_ID = '/subscriptions/712288dc-f816-4242-b73f-a0a87265dcc8/resourceGroups/my-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/my-acr-puller';
const FINALIZER = 'msi-acrpull.microsoft.com';

interface Case {
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  readonly secret: string;
  readonly serviceAccount: string;
  readonly uid: string;
}
const BINDINGS: readonly Case[] = [
  { apiVersion: V2, namespace: 'team-a', name: 'pull', secret: 'acr-pull-pull', serviceAccount: 'default', uid: '9b0c0000-0000-4000-8000-00000000000a' },
  { apiVersion: V1, namespace: 'team-b', name: 'acrpulltest', secret: 'acrpulltest-msi-acrpull-secret', serviceAccount: 'default', uid: '9b0c0000-0000-4000-8000-00000000000b' },
  { apiVersion: V1, namespace: 'team-c', name: 'legacy', secret: 'legacy-msi-acrpull-secret', serviceAccount: 'builder', uid: '9b0c0000-0000-4000-8000-00000000000c' },
];

let azure: FakeAzure;
let kube: FakeKubeApi | undefined;
let controller: ChildProcess | undefined;
beforeAll(async () => {
  azure = await startFakeAzure(cloudTls());
});
afterAll(async () => {
  await azure.close();
});
afterEach(async () => {
  controller?.kill('SIGTERM');
  controller = undefined;
  await kube?.close();
  kube = undefined;
  azure.reset();
});

const helmMarks = { labels: { 'app.kubernetes.io/managed-by': 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'acrpull', 'meta.helm.sh/release-namespace': 'acrpull' } };
const env = (): Record<string, string> => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: azure.httpUrl, IMPS_KRM_INSECURE_REGISTRY_HOSTS: '127.0.0.1', AWS_EC2_METADATA_DISABLED: 'true' });

/** What `helm install acrpull` and msi-acrpull's controller have left in a cluster. */
function withMsiAcrPull(): KubeObject[] {
  const registry = azure.httpUrl;
  const spec = (c: Case): Record<string, unknown> =>
    c.apiVersion === V2
      ? { acr: { server: registry, scope: 'repository:team-a/app:pull', environment: 'PublicCloud' }, auth: { managedIdentity: { clientID: CLIENT } }, serviceAccountName: c.serviceAccount }
      : c.name === 'legacy'
        ? { acrServer: registry, managedIdentityClientID: CLIENT, serviceAccountName: c.serviceAccount }
        : { acrServer: registry, managedIdentityResourceID: RESOURCE_ID };
  const msiSecret = (c: Case): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: c.secret,
      namespace: c.namespace,
      // msi-acrpull before v0.1.4 labelled nothing (team-c): its Secret is known by its controller reference only.
      ...(c.name === 'legacy' ? {} : { labels: { 'acr.microsoft.com/binding': c.name }, annotations: { 'acr.microsoft.com/token.expiry': '2026-11-22T01:00:00Z', 'acr.microsoft.com/token.refresh': '2026-11-21T23:00:00Z', 'acr.microsoft.com/token.inputs': 'h' } }),
      ownerReferences: [{ apiVersion: c.apiVersion, kind: 'AcrPullBinding', name: c.name, uid: c.uid, controller: true, blockOwnerDeletion: true }],
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [registry]: { username: '00000000-0000-0000-0000-000000000000', password: 'msi-acrpull-token' } } })) },
  });
  return [
    ns('default'),
    ns('acrpull'),
    ...BINDINGS.map((c) => ns(c.namespace)),
    ...CRDS.map((name): KubeObject => ({ apiVersion: CRD_API, kind: 'CustomResourceDefinition', metadata: { name, ...helmMarks, finalizers: ['customresourcecleanup.apiextensions.k8s.io'] }, spec: { group: name.slice(name.indexOf('.') + 1) } })),
    // Standing for the rest of the release: msi-acrpull's Deployment, RBAC and admission policies.
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'acrpull-controller', namespace: 'acrpull', ...helmMarks }, data: {} },
    ...BINDINGS.map((c): KubeObject => ({ apiVersion: c.apiVersion, kind: 'AcrPullBinding', metadata: { name: c.name, namespace: c.namespace, uid: c.uid, finalizers: [FINALIZER] }, spec: spec(c) })),
    ...BINDINGS.map(msiSecret),
    ...BINDINGS.map((c): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: c.serviceAccount, namespace: c.namespace }, imagePullSecrets: [{ name: 'handmade' }, { name: c.secret }] })),
  ];
}

/** Helm as far as this touches it: the stored release manifest decides what `helm uninstall` keeps. */
class HelmRelease {
  #keep = false;
  constructor(private readonly api: FakeKubeApi) {}

  /** `helm upgrade` through examples/migrate-from-msi-acrpull/keep-crds.sh. */
  upgradeWithKeep(): void {
    this.#keep = true;
    for (const name of CRDS) {
      const crd = this.api.get(CRD_API, 'CustomResourceDefinition', name)!;
      this.api.put({ ...crd, metadata: { ...crd.metadata, annotations: { ...crd.metadata.annotations, 'helm.sh/resource-policy': 'keep' } } });
    }
  }

  uninstall(): void {
    if (!this.#keep) for (const name of CRDS) this.api.remove(CRD_API, 'CustomResourceDefinition', name);
    this.api.remove('v1', 'ConfigMap', 'acrpull-controller', 'acrpull');
  }
}

/** The bindings whose namespace lacks a valid pull Secret, or whose ServiceAccount does not list it. */
function missing(api: FakeKubeApi, cases: readonly Case[] = BINDINGS): string[] {
  return cases
    .filter((c) => {
      const secret = api.get('v1', 'Secret', c.secret, c.namespace);
      const listed = (api.get('v1', 'ServiceAccount', c.serviceAccount, c.namespace)?.['imagePullSecrets'] as Array<{ name: string }> | undefined) ?? [];
      return secret?.['type'] !== 'kubernetes.io/dockerconfigjson' || dockerConfigOf(secret)?.auths[azure.httpUrl]?.password === undefined || !listed.some((entry) => entry.name === c.secret);
    })
    .map((c) => `${c.namespace}/${c.name}`);
}

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));

const migrate = (api: FakeKubeApi) => run(process.execPath, [BUILT_CLI, 'migrate', '--kubeconfig', api.kubeconfigPath, '-o', 'json'], { cwd: process.cwd(), env: guardedEnv({ ...process.env, ...env(), LOG_LEVEL: '' }) });

function startController(api: FakeKubeApi): { stderr: () => string } {
  controller = spawn(process.execPath, [BUILT_CLI, 'controller', '--acr-pull-bindings', '--kubeconfig', api.kubeconfigPath, '--metrics-addr', '', '--health-addr', '', '--explain-addr', ''], {
    env: guardedEnv({ ...process.env, ...env() }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  controller.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { stderr: () => stderr };
}

const adopted = (api: FakeKubeApi, c: Case): boolean => api.get('v1', 'Secret', c.secret, c.namespace)?.metadata.labels?.['imps-krm.io/owner'] !== undefined;
const statusOf = (api: FakeKubeApi, c: Case): Record<string, unknown> | undefined => api.get(c.apiVersion, 'AcrPullBinding', c.name, c.namespace)?.['status'] as Record<string, unknown> | undefined;

/** msi-acrpull's clean-up of a binding being deleted (internal/controller cleanUp), through the API as it runs it. */
async function msiAcrPullCleanUp(api: FakeKubeApi): Promise<void> {
  for (const c of BINDINGS) {
    const binding = api.get(c.apiVersion, 'AcrPullBinding', c.name, c.namespace);
    if (!binding?.metadata['deletionTimestamp']) continue;
    const account = api.get('v1', 'ServiceAccount', c.serviceAccount, c.namespace)!;
    api.put({ ...account, imagePullSecrets: (account['imagePullSecrets'] as Array<{ name: string }>).filter((entry) => entry.name !== c.secret) });
    api.remove('v1', 'Secret', c.secret, c.namespace);
    const response = await fetch(`${api.url}/apis/${c.apiVersion}/namespaces/${c.namespace}/acrpullbindings/${c.name}`, {
      method: 'PATCH',
      headers: { Authorization: 'Bearer fake-token', 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { finalizers: null } }),
    });
    expect(response.status).toBe(200);
  }
}

describe('migrating from msi-acrpull installed by its Helm chart', () => {
  it('loses no Secret at any step: check, keep the CRDs out of the release, apply imps-krm, start it, uninstall msi-acrpull, check again', async () => {
    azure.allowManagedIdentity(CLIENT);
    azure.allowManagedIdentity(RESOURCE_ID);
    const admission = policyAdmission(CONTROLLER_POLICIES, ACRPULL_POLICIES);
    kube = await startFakeKubeApi({ objects: withMsiAcrPull(), garbageCollection: true, users: { 'fake-token': CONTROLLER }, admission: admission.hook });
    const api = kube;
    const helm = new HelmRelease(api);
    const uids = BINDINGS.map((c) => api.get('v1', 'Secret', c.secret, c.namespace)?.metadata.uid);
    await settle();
    expect(missing(api)).toEqual([]);

    // 1. The check: three Secrets to adopt, and the Helm release that would delete both CRDs with it.
    const before = await migrate(api);
    expect(before.code).toBe(1);
    const plan = JSON.parse(before.stdout) as { summary: Record<string, number>; imagePullSecrets: Array<{ kind: string; name: string; adopt: unknown[] }>; crds: Array<{ name: string; helm: { release: string; keep: boolean } }> };
    expect(plan.summary).toMatchObject({ adopt: 3, refuse: 0, delete: 0, create: 0, specChanges: 0, helmReleases: 2 });
    expect(plan.imagePullSecrets.map((entry) => [entry.kind, entry.name, entry.adopt.length])).toEqual([
      ['AcrPullBinding', 'team-a/pull', 1],
      ['AcrPullBinding', 'team-b/acrpulltest', 1],
      ['AcrPullBinding', 'team-c/legacy', 1],
    ]);
    expect(plan.crds.map((crd) => [crd.name, crd.helm.release, crd.helm.keep])).toEqual(CRDS.map((name) => [name, 'acrpull', false]));
    const text = await run(process.execPath, [BUILT_CLI, 'migrate', '--kubeconfig', api.kubeconfigPath], { cwd: process.cwd(), env: guardedEnv({ ...process.env, ...env() }) });
    expect(text.stdout).toContain('--post-renderer ./keep-crds.sh');

    // 2. Keep the CRDs out of the release (helm upgrade with the keep policy); the check is happy.
    helm.upgradeWithKeep();
    await settle();
    expect(missing(api)).toEqual([]);
    const kept = await migrate(api);
    expect(JSON.parse(kept.stdout)).toMatchObject({ ready: true, summary: { helmReleases: 0, adopt: 3 } });
    expect(kept.code).toBe(0);

    // 3. msi-acrpull stopped (kubectl scale --replicas=0): nothing changes in the cluster. 4. imps-krm's CRDs applied
    // over msi-acrpull's (kubectl apply -k with deploy/acrpull): same names and versions, so every binding stays.
    for (const name of CRDS) {
      const ours = parse(readFileSync(join(REPO, 'deploy', 'acrpull', 'crd', `${name}.yaml`), 'utf8')) as KubeObject;
      const live = api.get(CRD_API, 'CustomResourceDefinition', name)!;
      api.put({ ...ours, metadata: { ...live.metadata } });
    }
    await settle();
    expect(missing(api)).toEqual([]);
    expect(BINDINGS.map((c) => api.get(c.apiVersion, 'AcrPullBinding', c.name, c.namespace)?.metadata.uid)).toEqual(BINDINGS.map((c) => c.uid));

    // 5. Start imps-krm's controller; watch every binding's namespace all along, until every binding reports a token.
    const gaps: string[] = [];
    const watching = setInterval(() => gaps.push(...missing(api)), 5);
    const started = startController(api);
    try {
      await waitFor(() => BINDINGS.every((c) => adopted(api, c) && statusOf(api, c)?.['tokenExpirationTime'] !== undefined), 'every binding adopted', 20_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${started.stderr()}`);
      });
      await settle();
    } finally {
      clearInterval(watching);
    }
    expect(gaps).toEqual([]);
    expect(missing(api)).toEqual([]);
    BINDINGS.forEach((c, index) => {
      const secret = api.get('v1', 'Secret', c.secret, c.namespace)!;
      // Adopted in place: the same object, msi-acrpull's owner reference as it was (a rollback finds it), fresh token.
      expect(secret.metadata.uid).toBe(uids[index]);
      expect(secret.metadata['ownerReferences']).toEqual([{ apiVersion: c.apiVersion, kind: 'AcrPullBinding', name: c.name, uid: c.uid, controller: true, blockOwnerDeletion: true }]);
      expect(dockerConfigOf(secret)?.auths[azure.httpUrl]?.password).not.toBe('msi-acrpull-token');
      expect(Object.keys(secret.metadata.annotations ?? {})).toEqual(['imps-krm.io/expires-at']);
      expect(statusOf(api, c)?.['error']).toBeUndefined();
    });
    expect(api.requests.filter((request) => request.method === 'DELETE' && request.path.includes('/secrets'))).toEqual([]);

    // 6. Uninstall msi-acrpull: the rest of the release goes, the CRDs stay (keep), and so do the bindings and Secrets.
    helm.uninstall();
    await settle();
    expect(api.get('v1', 'ConfigMap', 'acrpull-controller', 'acrpull')).toBeUndefined();
    expect(CRDS.map((name) => api.get(CRD_API, 'CustomResourceDefinition', name)?.metadata['deletionTimestamp'])).toEqual([undefined, undefined]);
    expect(missing(api)).toEqual([]);

    // 7. Helm's marks off the CRDs, so no later install claims them; the check afterwards: everything is imps-krm's.
    for (const name of CRDS) {
      const crd = api.get(CRD_API, 'CustomResourceDefinition', name)!;
      api.put({ ...crd, metadata: { ...crd.metadata, labels: {}, annotations: {} } });
    }
    const after = await migrate(api);
    expect(JSON.parse(after.stdout)).toMatchObject({ ready: true, summary: { adopt: 0, refuse: 0, delete: 0, create: 0, helmReleases: 0 } });
    expect(missing(api)).toEqual([]);

    // 8. A binding deleted afterwards: msi-acrpull's finalizer is handled (ServiceAccount entry first), the garbage
    // collector takes its Secret; the other bindings keep theirs.
    const legacy = BINDINGS[2]!;
    api.remove(legacy.apiVersion, 'AcrPullBinding', legacy.name, legacy.namespace);
    await waitFor(() => api.get('v1', 'Secret', legacy.secret, legacy.namespace) === undefined, 'the deleted binding\'s Secret collected', 10_000);
    expect(api.get('v1', 'ServiceAccount', legacy.serviceAccount, legacy.namespace)?.['imagePullSecrets']).toEqual([{ name: 'handmade' }]);
    expect(missing(api, BINDINGS.slice(0, 2))).toEqual([]);
    assertAdmitted(admission);
  });

  it('control: a plain helm uninstall while msi-acrpull runs deletes both CRDs, every binding, and (its clean-up) every Secret', async () => {
    kube = await startFakeKubeApi({ objects: withMsiAcrPull(), garbageCollection: true });
    const api = kube;
    new HelmRelease(api).uninstall();
    await msiAcrPullCleanUp(api);
    await waitFor(() => missing(api).length === BINDINGS.length, 'every Secret gone', 5_000);
    expect(missing(api)).toEqual(BINDINGS.map((c) => `${c.namespace}/${c.name}`));
    expect(BINDINGS.map((c) => api.get(c.apiVersion, 'AcrPullBinding', c.name, c.namespace))).toEqual([undefined, undefined, undefined]);
  });

  it('a plain helm uninstall with imps-krm running instead: the bindings wait, Terminating, with their Secrets kept, renewed and listed; the status says why', async () => {
    azure.allowManagedIdentity(CLIENT);
    azure.allowManagedIdentity(RESOURCE_ID);
    const admission = policyAdmission(CONTROLLER_POLICIES, ACRPULL_POLICIES);
    kube = await startFakeKubeApi({ objects: withMsiAcrPull(), garbageCollection: true, users: { 'fake-token': CONTROLLER }, admission: admission.hook });
    const api = kube;
    const started = startController(api);
    await waitFor(() => BINDINGS.every((c) => adopted(api, c)), 'every binding adopted', 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${started.stderr()}`);
    });
    new HelmRelease(api).uninstall();
    await waitFor(() => BINDINGS.every((c) => String(statusOf(api, c)?.['error'] ?? '').includes('the CRD of this binding is being deleted')), 'status on every binding', 10_000);
    await settle();
    expect(missing(api)).toEqual([]);
    expect(BINDINGS.map((c) => api.get(c.apiVersion, 'AcrPullBinding', c.name, c.namespace)?.metadata['finalizers'])).toEqual([[FINALIZER], [FINALIZER], [FINALIZER]]);
    expect(CRDS.map((name) => api.get(CRD_API, 'CustomResourceDefinition', name)?.metadata['deletionTimestamp'] !== undefined)).toEqual([true, true]);
    assertAdmitted(admission);
  });
});
