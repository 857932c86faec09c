// Every kind of write the controller makes, made by the real controller against the fake API server with the
// shipped admission policies in front of it (test/admission/fake-admission.ts). The same policies judge every
// write of every controller test (test/controller/harness.ts fails a test on a denial); this file makes sure each
// kind of write really happens and is judged, and that a denial reaches the controller as on a real cluster.
import { afterEach, describe, expect, it } from 'vitest';
import { OWNER_LABEL, REFRESHER_ANNOTATION } from '../../src/core/contract.js';
import { SHELL_DOCKER_CONFIG } from '../../src/core/render.js';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { CANARY_PASSWORD, dockerConfigOf, dockerSource, imps, ns, secretOf, startRig, statusOf, waitFor, type Rig } from '../controller/harness.js';
import type { Judged } from './fake-admission.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const sa = (namespace: string, pullSecrets: string[], annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: 'default', namespace, labels: { team: 'x' }, annotations },
  imagePullSecrets: pullSecrets.map((name) => ({ name })),
});

const shell = (namespace: string, type = 'kubernetes.io/dockerconfigjson'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'regcred',
    namespace,
    labels: { 'app.kubernetes.io/managed-by': 'imps-krm', [OWNER_LABEL]: 'pull', 'argocd.argoproj.io/instance': 'app' },
    annotations: { [REFRESHER_ANNOTATION]: 'true', 'imps-krm.io/image-pull-secret': 'pull' },
  },
  type,
  // As rendered: a dockerconfigjson Secret needs its key (the API server refuses it without); the empty config.
  ...(type === 'kubernetes.io/dockerconfigjson' ? { data: { '.dockerconfigjson': SHELL_DOCKER_CONFIG } } : {}),
});

/** The IMPS controller's Secret for the same ImagePullSecret (owner reference to its uid, IMPS's own label). */
const fromImps: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'regcred', namespace: 'team-a', labels: { 'images.banzaicloud.io/owner-uid': 'uid-of-pull' }, ownerReferences: [{ apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'pull', uid: 'uid-of-pull' }] },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') },
};

function objects(extra: KubeObject[] = []): KubeObject[] {
  const cr = imps('pull', {
    registry: { credentials: [{ namespace: 'creds', name: 'hub' }] },
    target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { team: 'a' } }] }, serviceAccounts: ['default'] },
  });
  cr.metadata.uid = 'uid-of-pull';
  return [
    ns('default'),
    ns('creds'),
    ns('team-a', { team: 'a' }),
    ns('team-b', { team: 'a' }),
    ns('other'),
    dockerSource('creds', 'hub', 'https://index.docker.io/v1/', CANARY_PASSWORD),
    sa('team-a', ['hand'], { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/app' }),
    sa('team-b', []),
    cr,
    ...extra,
  ];
}

/** What kind of write a judged request was, from the objects the policy saw. */
function kindOf(entry: Judged): string {
  if (entry.resource === 'serviceaccounts') {
    const before = (entry.oldObject?.['imagePullSecrets'] as unknown[] | undefined)?.length ?? 0;
    const after = (entry.object?.['imagePullSecrets'] as unknown[] | undefined)?.length ?? 0;
    return after > before ? 'ServiceAccount entry added' : after < before ? 'ServiceAccount entry removed' : 'ServiceAccount record only';
  }
  if (entry.operation === 'CREATE') return 'Secret created';
  if (entry.operation === 'DELETE') return 'Secret deleted';
  if (entry.oldObject?.metadata.annotations?.[REFRESHER_ANNOTATION] === 'true') return 'shell filled';
  if (entry.oldObject?.metadata.labels?.[OWNER_LABEL] === undefined) return 'IMPS Secret adopted';
  return 'Secret replaced';
}

describe('every controller write passes the shipped admission policies', () => {
  it('create, adopt, fill, replace, delete when deselected or orphaned, and ServiceAccount add and remove', async () => {
    // Without the garbage collector: the controller's own delete of the CR's Secrets must be made and judged.
    rig = await startRig(objects([fromImps, shell('other')]), { garbageCollection: false });
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready' && dockerConfigOf(secretOf(kube, 'other', 'regcred'))?.auths['https://index.docker.io/v1/']);
    kube.put(dockerSource('creds', 'hub', 'https://index.docker.io/v1/', 'rotated-password'));
    await waitFor(() => dockerConfigOf(secretOf(kube, 'team-b', 'regcred'))?.auths['https://index.docker.io/v1/']?.password === 'rotated-password');
    await waitFor(() => dockerConfigOf(secretOf(kube, 'other', 'regcred'))?.auths['https://index.docker.io/v1/']?.password === 'rotated-password');
    kube.put(ns('team-b', { team: 'none' }));
    await waitFor(() => secretOf(kube, 'team-b', 'regcred') === undefined);
    await rig.controller.idle();
    // Deleted while the controller watches: its Secrets and ServiceAccount entries are swept.
    kube.remove('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull');
    await waitFor(() => secretOf(kube, 'team-a', 'regcred') === undefined);
    await waitFor(() => (kube.get('v1', 'ServiceAccount', 'default', 'team-a')?.['imagePullSecrets'] as unknown[]).length === 1);

    const judged = rig.admission.judged;
    expect(judged.filter((entry) => entry.denied.length > 0 || entry.errors.length > 0)).toEqual([]);
    expect(new Set(judged.map(kindOf))).toEqual(
      new Set(['Secret created', 'IMPS Secret adopted', 'shell filled', 'Secret replaced', 'Secret deleted', 'ServiceAccount entry added', 'ServiceAccount entry removed']),
    );
    expect(new Set(judged.filter((entry) => entry.operation === 'DELETE').map((entry) => entry.target))).toEqual(new Set(['team-b/regcred', 'team-a/regcred']));
    // Writes that are not Secrets or ServiceAccounts (status, events, leases) are outside the policies.
    expect(new Set(judged.map((entry) => entry.resource))).toEqual(new Set(['secrets', 'serviceaccounts']));
    expect(secretOf(kube, 'other', 'regcred')).toBeDefined();
  });

  it('repository credentials: created, replaced at a source rotation, deleted when the spec drops them and with the ImagePullSecret', async () => {
    const extended = objects().map((object) =>
      object.kind === 'ImagePullSecret'
        ? { ...object, spec: { ...(object['spec'] as Record<string, unknown>), target: { ...((object['spec'] as { target: Record<string, unknown> }).target), repositoryCredentials: { argocd: [{}], kargo: [{ namespace: 'kargo-demo', credType: 'image' }, { namespace: 'kargo-demo', credType: 'helm' }] } } } }
        : object,
    );
    rig = await startRig([...extended, ns('argocd'), ns('kargo-demo')], { garbageCollection: false });
    const { kube } = rig;
    const argo = 'regcred-argocd-helm-index.docker.io';
    const kargoImage = 'regcred-kargo-image-index.docker.io';
    const kargoHelm = 'regcred-kargo-helm-index.docker.io';
    await waitFor(() => secretOf(kube, 'argocd', argo) && secretOf(kube, 'kargo-demo', kargoImage) && secretOf(kube, 'kargo-demo', kargoHelm));
    kube.put(dockerSource('creds', 'hub', 'https://index.docker.io/v1/', 'rotated-password'));
    await waitFor(() => Buffer.from(String((secretOf(kube, 'argocd', argo)?.['data'] as Record<string, string>)['password']), 'base64').toString() === 'rotated-password');
    // The spec drops the Kargo helm entry, then the ImagePullSecret goes.
    const cr = kube.get('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull')!;
    const spec = cr['spec'] as { target: { repositoryCredentials: { kargo: unknown[] } } };
    spec.target.repositoryCredentials.kargo = spec.target.repositoryCredentials.kargo.slice(0, 1);
    kube.put(cr);
    await waitFor(() => secretOf(kube, 'kargo-demo', kargoHelm) === undefined);
    kube.remove('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull');
    await waitFor(() => secretOf(kube, 'argocd', argo) === undefined && secretOf(kube, 'kargo-demo', kargoImage) === undefined);

    const judged = rig.admission.judged.filter((entry) => entry.target.startsWith('argocd/') || entry.target.startsWith('kargo-demo/'));
    expect(judged.filter((entry) => entry.denied.length > 0 || entry.errors.length > 0)).toEqual([]);
    expect(new Set(judged.map((entry) => `${entry.operation} ${entry.target}`))).toEqual(
      new Set([
        `CREATE argocd/${argo}`,
        `CREATE kargo-demo/${kargoImage}`,
        `CREATE kargo-demo/${kargoHelm}`,
        `UPDATE argocd/${argo}`,
        `UPDATE kargo-demo/${kargoImage}`,
        `UPDATE kargo-demo/${kargoHelm}`,
        `DELETE kargo-demo/${kargoHelm}`,
        `DELETE argocd/${argo}`,
        `DELETE kargo-demo/${kargoImage}`,
      ]),
    );
  });

  it('a denied write fails as on a real cluster: a mistyped shell is not filled and the status says why', async () => {
    rig = await startRig(objects([shell('other', 'Opaque')]));
    const r = rig;
    await waitFor(() => r.admission.denials().length > 0);
    await waitFor(() => String(statusOf(r.kube, 'pull')?.['reason'] ?? '').includes('ValidatingAdmissionPolicy'));
    expect(String(statusOf(r.kube, 'pull')?.['reason'])).toContain(
      "ValidatingAdmissionPolicy 'imps-krm-controller-secrets' with binding 'imps-krm-controller-secrets' denied request: imps-krm-controller writes only Secrets of type kubernetes.io/dockerconfigjson, and Opaque repository credentials",
    );
    expect(secretOf(r.kube, 'other', 'regcred')?.['data']).toBeUndefined();
    expect(new Set(r.admission.denials().map((entry) => `${entry.operation} ${entry.target}`))).toEqual(new Set(['UPDATE other/regcred']));
    // The expected denials: close() must not fail this test for them. Stop first: the controller retries the fill.
    await r.controller.stop();
    r.admission.judged.length = 0;
  });
});
