// Issue 10, "ownership that never takes what is not ours", through the fake API server with the shipped admission
// policies judging every write: Secrets other tools hold are refused (status, Event, metric, log) unless the spec
// opts in, and then patched with their metadata kept; IMPS's own Secrets are adopted, or deleted where IMPS would.
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { CANARY_PASSWORD, dockerConfigOf, dockerSource, imps, ns, secretOf, startRig, statusOf, waitFor, type Rig } from './harness.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const HUB = 'https://index.docker.io/v1/';
const UID = 'uid-of-pull';
const IMPS_REF = { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'pull', uid: UID };
const oldLogin = { '.dockerconfigjson': Buffer.from('{"auths":{"r.example":{"auth":"b2xkOm9sZA=="}}}').toString('base64') };

function cluster(spec: Record<string, unknown> = {}, extra: KubeObject[] = []): KubeObject[] {
  const cr = imps('pull', {
    registry: { credentials: [{ namespace: 'creds', name: 'hub' }] },
    target: { secret: { name: 'regcred', ...spec }, namespaces: { labels: [{ matchLabels: { team: 'a' } }] } },
  });
  cr.metadata.uid = UID;
  return [ns('default'), ns('creds'), ns('team-a', { team: 'a' }), ns('team-b', { team: 'a' }), ns('left'), dockerSource('creds', 'hub', HUB, CANARY_PASSWORD), cr, ...extra];
}

const secret = (namespace: string, metadata: Record<string, unknown>, name = 'regcred'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace, ...metadata },
  type: 'kubernetes.io/dockerconfigjson',
  data: oldLogin,
});

/** Issue 10's first finding: Argo CD synced a Secret over the IMPS Secret, and a full PUT dropped its annotations. */
const argoOverImps = secret('team-b', {
  labels: { 'app.kubernetes.io/managed-by': 'imps-krm', 'imps-krm.io/owner': 'pull', 'images.banzaicloud.io/owner-uid': UID },
  annotations: { 'argocd.argoproj.io/tracking-id': 'shop:/Secret:team-b/regcred', 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Secret"}' },
  ownerReferences: [IMPS_REF],
});

describe('Secrets another tool manages', () => {
  it('a Secret Argo CD synced over the IMPS Secret is refused and left exactly as it is; status, Event, log and metric say so', async () => {
    rig = await startRig(cluster({}, [argoOverImps]));
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Failed');
    const status = statusOf(kube, 'pull')!;
    expect(status['reason']).toBe(
      'Secret team-b/regcred: Argo CD tracks it; not overwriting it: list ArgoCD in spec.target.secret.adoptFrom to let imps-krm take it over',
    );
    expect(status['managedNamespaces']).toEqual(['team-a']);
    const kept = secretOf(kube, 'team-b', 'regcred')!;
    expect(kept['data']).toEqual(oldLogin);
    expect(kept.metadata.annotations).toEqual(argoOverImps.metadata.annotations);
    expect(kube.requests.filter((request) => request.method !== 'GET' && request.path.includes('/namespaces/team-b/secrets'))).toEqual([]);
    const events = await waitFor(() => kube.list('v1', 'Event', 'default').length > 0 && kube.list('v1', 'Event', 'default'));
    expect(events[0]).toMatchObject({ type: 'Warning', reason: 'SecretReconciliationError' });
    expect(rig.logs()).toContain('"msg":"Secret refused"');
    expect(await rig.metrics.registry.getSingleMetricAsString('imps_krm_refused_secrets')).toContain('imps_krm_refused_secrets{reason="argocd"} 1');
  });

  it('with adoptFrom: [ArgoCD] it is patched: new login, our owner reference, Argo CD annotations and IMPS label kept', async () => {
    rig = await startRig(cluster({ adoptFrom: ['ArgoCD'] }, [argoOverImps]));
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready');
    const patched = secretOf(kube, 'team-b', 'regcred')!;
    expect(dockerConfigOf(patched)?.auths[HUB]?.password).toBe(CANARY_PASSWORD);
    expect(patched.metadata.annotations).toMatchObject(argoOverImps.metadata.annotations!);
    expect(patched.metadata.labels).toMatchObject({ 'images.banzaicloud.io/owner-uid': UID, 'imps-krm.io/owner': 'pull' });
    expect(patched.metadata.ownerReferences).toEqual([{ ...IMPS_REF, controller: true, blockOwnerDeletion: false }]);
    expect(kube.requests.filter((request) => request.method === 'PUT')).toEqual([]);
    expect(statusOf(kube, 'pull')?.['managedNamespaces']).toEqual(['team-a', 'team-b']);
  });

  it.each([
    ['helm', { labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'shop' }, annotations: { 'meta.helm.sh/release-name': 'shop', 'meta.helm.sh/release-namespace': 'team-b' } }],
    ['flux', { labels: { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' } }],
    ['other-owner', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'uid-cm' }] }],
  ])('refuses a Secret %s holds', async (reason, metadata) => {
    const owner: KubeObject[] = reason === 'other-owner' ? [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: 'team-b', uid: 'uid-cm' }, data: {} }] : [];
    rig = await startRig(cluster({}, [...owner, secret('team-b', metadata)]));
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Failed');
    expect(secretOf(kube, 'team-b', 'regcred')?.['data']).toEqual(oldLogin);
    expect(await rig.metrics.registry.getSingleMetricAsString('imps_krm_refused_secrets')).toContain(`imps_krm_refused_secrets{reason="${reason}"} 1`);
  });
});

describe("the IMPS controller's own Secrets", () => {
  const fromImps = (namespace: string, name = 'regcred', uid = UID): KubeObject =>
    secret(
      namespace,
      {
        labels: { 'images.banzaicloud.io/owner-uid': uid },
        annotations: { 'banzaicloud.com/last-applied': 'UEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAA=' },
        ownerReferences: [{ ...IMPS_REF, uid, controller: false }],
      },
      name,
    );

  it('adopts the one at the target (its label kept, its last-applied copy of the login removed) and deletes those IMPS would have deleted', async () => {
    const otherCr = imps('other', { registry: { credentials: [{ namespace: 'creds', name: 'hub' }] }, target: { secret: { name: 'elsewhere' }, namespaces: { names: ['team-b'] } } });
    otherCr.metadata.uid = 'uid-of-other';
    rig = await startRig(cluster({}, [otherCr, fromImps('team-a'), fromImps('left'), fromImps('team-b', 'old-name'), fromImps('team-b', 'elsewhere', 'uid-of-other')]));
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready' && !secretOf(kube, 'left', 'regcred') && !secretOf(kube, 'team-b', 'old-name'));
    const adopted = secretOf(kube, 'team-a', 'regcred')!;
    expect(adopted.metadata.labels).toMatchObject({ 'images.banzaicloud.io/owner-uid': UID, 'imps-krm.io/owner': 'pull' });
    expect(adopted.metadata.annotations?.['banzaicloud.com/last-applied']).toBeUndefined();
    expect(dockerConfigOf(adopted)?.auths[HUB]?.password).toBe(CANARY_PASSWORD);
    // Another ImagePullSecret's IMPS Secret is its own business (adopted by it, never deleted by this one).
    await waitFor(() => secretOf(kube, 'team-b', 'elsewhere')?.metadata.labels?.['imps-krm.io/owner'] === 'other');
    const deleted = rig.logs().split('\n').filter((line) => line.includes('"msg":"Secret deleted"'));
    expect(deleted.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 'info', imagePullSecret: 'pull', namespace: 'left', secret: 'regcred', reason: 'namespace no longer selected', writtenBy: 'IMPS' }),
      expect.objectContaining({ level: 'info', imagePullSecret: 'pull', namespace: 'team-b', secret: 'old-name', reason: 'target Secret renamed', writtenBy: 'IMPS' }),
    ]);
  });
});
