// Issue 10's migration, end to end against the test API server with its garbage collector on: IMPS installed by its
// Helm chart (the ImagePullSecret part of the release, IMPS's Secrets owned by it), `imps-krm migrate` before the
// switch, the ImagePullSecret kept out of the release, IMPS uninstalled, the imps-krm controller started (the built
// CLI, a child process, its writes judged by the shipped admission policies). After every step, every selected
// namespace still holds a valid pull Secret; while the controller starts, it is checked continuously. A control run
// with a plain `helm uninstall` shows the garbage collector is really on: there, every Secret goes.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_CLI, run } from '../e2e/cli-on-path.js';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { CONTROLLER } from '../admission/attempts.js';
import { assertAdmitted, CONTROLLER_POLICIES, policyAdmission } from '../admission/fake-admission.js';
import { b64, dockerConfigOf, dockerSource, imps, ns, secretOf, statusOf, waitFor } from './harness.js';

const IMPS_API = 'images.banzaicloud.io/v1alpha1';
const CR = 'imps-controller-default';
const UID = '7e1a0c9e-0000-4000-8000-0000000000a1';
const SELECTED = ['team-a', 'team-b', 'team-c'];
const HUB = 'https://index.docker.io/v1/';
const PASSWORD = 'CANARY-sequence-password-0012';

let kube: FakeKubeApi | undefined;
let controller: ChildProcess | undefined;
afterEach(async () => {
  controller?.kill('SIGTERM');
  controller = undefined;
  await kube?.close();
  kube = undefined;
});

const helmMarks = { labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'imps' }, annotations: { 'meta.helm.sh/release-name': 'imps', 'meta.helm.sh/release-namespace': 'imps-system' } };

/** What `helm install imps` of IMPS's chart (defaultConfig.enabled) and IMPS's controller have left in a cluster. */
function withImps(): KubeObject[] {
  const cr = imps(CR, { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { pulls: 'yes' } }] } } });
  cr.metadata = { ...cr.metadata, uid: UID, ...helmMarks };
  const fromImps = (namespace: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'regcred',
      namespace,
      labels: { 'images.banzaicloud.io/owner-uid': UID },
      annotations: { 'banzaicloud.com/last-applied': 'UEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAA=' },
      ownerReferences: [{ apiVersion: IMPS_API, kind: 'ImagePullSecret', name: CR, uid: UID, controller: false }],
    },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { [HUB]: { username: 'robot', password: PASSWORD, auth: b64(`robot:${PASSWORD}`) } } })) },
  });
  return [
    ns('default'),
    ns('imps-system'),
    ns('creds'),
    ...SELECTED.map((name) => ns(name, { pulls: 'yes' })),
    dockerSource('creds', 'hub', HUB, PASSWORD),
    // Another object of the release, standing for the IMPS controller's Deployment and RBAC.
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'imps-controller', namespace: 'imps-system', ...helmMarks }, data: {} },
    cr,
    ...SELECTED.map(fromImps),
  ];
}

/**
 * Helm as far as this migration touches it: the stored release manifest decides what `helm uninstall` keeps (helm/helm
 * pkg/action/resource_policy.go), not the live object. Uninstall deletes the rest with background propagation.
 */
class HelmRelease {
  readonly #kept = new Set<string>();
  constructor(private readonly api: FakeKubeApi) {}

  /** `helm upgrade` with a post-renderer adding helm.sh/resource-policy: keep to the ImagePullSecret. */
  upgradeWithKeep(): void {
    this.#kept.add(CR);
    const cr = this.api.get(IMPS_API, 'ImagePullSecret', CR)!;
    this.api.put({ ...cr, metadata: { ...cr.metadata, annotations: { ...cr.metadata.annotations, 'helm.sh/resource-policy': 'keep' } } });
  }

  uninstall(): void {
    if (!this.#kept.has(CR)) this.api.remove(IMPS_API, 'ImagePullSecret', CR);
    this.api.remove('v1', 'ConfigMap', 'imps-controller', 'imps-system');
  }
}

/** Every selected namespace holds a pull Secret whose docker config logs in to the registry. */
function missing(api: FakeKubeApi): string[] {
  return SELECTED.filter((namespace) => {
    const secret = secretOf(api, namespace, 'regcred');
    return secret?.['type'] !== 'kubernetes.io/dockerconfigjson' || dockerConfigOf(secret)?.auths[HUB]?.password === undefined;
  });
}

/** Lets the garbage collector run (it works after the write that triggers it, like kube-controller-manager's). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100));

const migrate = (api: FakeKubeApi) => run(process.execPath, [BUILT_CLI, 'migrate', '--kubeconfig', api.kubeconfigPath, '-o', 'json'], { cwd: process.cwd(), env: guardedEnv({ ...process.env, LOG_LEVEL: '' }) });

describe('migrating from IMPS installed by its Helm chart', () => {
  it('loses no Secret at any step: check, keep out of the release, uninstall IMPS, start imps-krm, check again', async () => {
    const admission = policyAdmission(CONTROLLER_POLICIES);
    kube = await startFakeKubeApi({ objects: withImps(), garbageCollection: true, users: { 'fake-token': CONTROLLER }, admission: admission.hook });
    const api = kube;
    const helm = new HelmRelease(api);
    const uids = Object.fromEntries(SELECTED.map((namespace) => [namespace, secretOf(api, namespace, 'regcred')?.metadata.uid]));
    await settle();
    expect(missing(api)).toEqual([]);

    // 1. The check: three Secrets to adopt, and the Helm release that would take them with it.
    const before = await migrate(api);
    expect(before.code).toBe(1);
    const plan = JSON.parse(before.stdout) as { summary: Record<string, number>; imagePullSecrets: Array<{ adopt: Array<{ namespace: string }>; helm?: { keep: boolean } }> };
    expect(plan.summary).toMatchObject({ adopt: 3, refuse: 0, delete: 0, create: 0, specChanges: 0, helmReleases: 1 });
    expect(plan.imagePullSecrets[0]!.adopt.map((change) => change.namespace)).toEqual(SELECTED);
    expect(missing(api)).toEqual([]);

    // 2. Keep the ImagePullSecret out of the release (helm upgrade with the keep policy); the check is happy.
    helm.upgradeWithKeep();
    await settle();
    expect(missing(api)).toEqual([]);
    const kept = await migrate(api);
    expect(JSON.parse(kept.stdout)).toMatchObject({ ready: true, summary: { helmReleases: 0, adopt: 3 } });
    expect(kept.code).toBe(0);

    // 3. Uninstall IMPS: the release's other objects go, the ImagePullSecret stays, and so do the Secrets it owns.
    helm.uninstall();
    await settle();
    expect(api.get('v1', 'ConfigMap', 'imps-controller', 'imps-system')).toBeUndefined();
    expect(api.get(IMPS_API, 'ImagePullSecret', CR)?.metadata.uid).toBe(UID);
    expect(missing(api)).toEqual([]);

    // 4. Helm's marks off the ImagePullSecret (kubectl annotate/label with `-`), so no later install claims it.
    const cr = api.get(IMPS_API, 'ImagePullSecret', CR)!;
    api.put({ ...cr, metadata: { ...cr.metadata, labels: {}, annotations: {} } });
    await settle();
    expect(missing(api)).toEqual([]);

    // 5. Start imps-krm's controller; watch every namespace all along, until it reports Ready.
    const gaps: string[] = [];
    const watching = setInterval(() => gaps.push(...missing(api)), 5);
    try {
      controller = spawn(process.execPath, [BUILT_CLI, 'controller', '--kubeconfig', api.kubeconfigPath, '--metrics-addr', '', '--health-addr', ''], {
        env: guardedEnv({ ...process.env, AWS_EC2_METADATA_DISABLED: 'true' }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      controller.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await waitFor(() => statusOf(api, CR)?.['status'] === 'Ready', 15_000).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${stderr}`);
      });
      await settle();
    } finally {
      clearInterval(watching);
    }
    expect(gaps).toEqual([]);
    expect(missing(api)).toEqual([]);
    for (const namespace of SELECTED) {
      const adopted = secretOf(api, namespace, 'regcred')!;
      // Adopted in place: the same object, IMPS's label kept (a rollback to IMPS finds it), its credential copy gone.
      expect(adopted.metadata.uid).toBe(uids[namespace]);
      expect(adopted.metadata.labels).toMatchObject({ 'imps-krm.io/owner': CR, 'images.banzaicloud.io/owner-uid': UID });
      expect(adopted.metadata.annotations?.['banzaicloud.com/last-applied']).toBeUndefined();
      expect(adopted.metadata.ownerReferences).toEqual([{ apiVersion: IMPS_API, kind: 'ImagePullSecret', name: CR, uid: UID, controller: true, blockOwnerDeletion: false }]);
    }
    expect(statusOf(api, CR)).toMatchObject({ managedNamespaces: SELECTED });
    expect(api.requests.filter((request) => request.method === 'DELETE' && request.path.includes('/secrets'))).toEqual([]);

    // 6. The check afterwards: everything is imps-krm's.
    const after = await migrate(api);
    expect(JSON.parse(after.stdout)).toMatchObject({ ready: true, summary: { adopt: 0, refuse: 0, delete: 0, create: 0 } });
    assertAdmitted(admission);
  });

  it('the fallback, helm uninstall --cascade=orphan: the Secrets survive as nobody\'s, are refused, and are re-created one by one once deleted', async () => {
    kube = await startFakeKubeApi({ objects: withImps(), garbageCollection: true, users: { 'fake-token': CONTROLLER }, admission: policyAdmission(CONTROLLER_POLICIES).hook });
    const api = kube;
    const spec = api.get(IMPS_API, 'ImagePullSecret', CR)!['spec'];
    // What `helm uninstall --cascade=orphan` sends for the release's ImagePullSecret.
    const response = await fetch(`${api.url}/apis/images.banzaicloud.io/v1alpha1/imagepullsecrets/${CR}`, {
      method: 'DELETE',
      headers: { Authorization: 'Bearer fake-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Orphan' }),
    });
    expect(response.status).toBe(200);
    await settle();
    expect(missing(api)).toEqual([]);
    for (const namespace of SELECTED) expect(secretOf(api, namespace, 'regcred')?.metadata.ownerReferences).toBeUndefined();
    // Re-created from the same spec: a new uid, which the old Secrets do not name.
    api.put({ apiVersion: IMPS_API, kind: 'ImagePullSecret', metadata: { name: CR }, spec });
    const plan = JSON.parse((await migrate(api)).stdout) as { summary: Record<string, number>; orphans: unknown[] };
    expect(plan.summary).toMatchObject({ adopt: 0, refuse: 3 });
    expect(plan.orphans).toHaveLength(3);

    controller = spawn(process.execPath, [BUILT_CLI, 'controller', '--kubeconfig', api.kubeconfigPath, '--metrics-addr', '', '--health-addr', ''], {
      env: guardedEnv({ ...process.env, AWS_EC2_METADATA_DISABLED: 'true' }),
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    await waitFor(() => String(statusOf(api, CR)?.['reason'] ?? '').includes('not managed by imps-krm'), 15_000);
    expect(missing(api)).toEqual([]);
    const old = secretOf(api, 'team-a', 'regcred')!.metadata.uid;
    api.remove('v1', 'Secret', 'regcred', 'team-a');
    await waitFor(() => secretOf(api, 'team-a', 'regcred')?.metadata.labels?.['imps-krm.io/owner'] === CR, 5_000);
    expect(secretOf(api, 'team-a', 'regcred')?.metadata.uid).not.toBe(old);
    await waitFor(() => !String(statusOf(api, CR)?.['reason']).includes('team-a'), 5_000);
  });

  it('control: a plain helm uninstall deletes the ImagePullSecret, and the garbage collector every Secret it owns', async () => {
    kube = await startFakeKubeApi({ objects: withImps(), garbageCollection: true });
    const api = kube;
    new HelmRelease(api).uninstall();
    await waitFor(() => missing(api).length === SELECTED.length, 5_000);
    expect(missing(api)).toEqual(SELECTED);
  });
});
