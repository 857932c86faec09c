// spec.target.repositoryCredentials through the controller (issue 13): the Argo CD and Kargo credential Secrets are
// written beside the pull Secrets from the same tokens, renewed with them (no extra token call), repaired, removed
// when the spec drops them, never emptied by a failure, and held to the sources' namespace consent. Every write goes
// through the shipped admission policies (the rig fails on a denial).
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../fakes/kube-api-server.js';
import { CANARY_ECR, CANARY_PASSWORD, dockerConfigOf, dockerSource, ecrSource, imps, ns, secretOf, startRig, statusOf, waitFor, type Rig } from './harness.js';

const ECR_HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const ARGO_ECR = `regcred-argocd-helm-${ECR_HOST}`;
const ARGO_QUAY = 'regcred-argocd-helm-quay.io';
const KARGO_ECR = `regcred-kargo-image-${ECR_HOST}`;
const KARGO_QUAY = 'regcred-kargo-image-quay.io';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const repositoryCredentials = { argocd: [{}], kargo: [{ namespace: 'kargo-demo', credType: 'image' }] };
const spec = (extension: Record<string, unknown> | null = repositoryCredentials) => ({
  registry: { credentials: [{ namespace: 'creds', name: 'quay' }, { namespace: 'creds', name: 'ecr' }] },
  target: { secret: { name: 'regcred' }, namespaces: { names: ['team-a'] }, ...(extension ? { repositoryCredentials: extension } : {}) },
});
const objects = (extra: KubeObject[] = []): KubeObject[] => [
  ns('default'),
  ns('creds'),
  ns('team-a'),
  ns('argocd'),
  ns('kargo-demo'),
  dockerSource('creds', 'quay', 'quay.io', CANARY_PASSWORD),
  ecrSource('creds', 'ecr'),
  imps('pull', spec()),
  ...extra,
];

/** A Secret's data, decoded. */
function plain(secret: KubeObject | undefined): Record<string, string> | undefined {
  const data = secret?.['data'] as Record<string, string> | undefined;
  return data && Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

/** Changes the spec of the stored ImagePullSecret (as kubectl apply would: same object, new generation). */
function respec(r: Rig, next: Record<string, unknown>): void {
  const cr = r.kube.get('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull')!;
  r.kube.put({ ...cr, spec: next });
}

const ecrCalls = (r: Rig): number => r.aws.calls.filter((call) => call.service === 'ecr' && call.action === 'GetAuthorizationToken').length;

describe('controller: repository credentials', () => {
  it('writes one Argo CD and one Kargo Secret per login beside the pull Secret, from one token call', async () => {
    rig = await startRig(objects());
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready');
    expect(dockerConfigOf(secretOf(kube, 'team-a', 'regcred'))?.auths[ECR_HOST]?.password).toBe(CANARY_ECR);
    const argo = secretOf(kube, 'argocd', ARGO_ECR)!;
    expect(argo).toMatchObject({
      type: 'Opaque',
      metadata: {
        labels: { 'app.kubernetes.io/managed-by': 'imps-krm', 'imps-krm.io/owner': 'pull', 'argocd.argoproj.io/secret-type': 'repo-creds' },
        ownerReferences: [{ kind: 'ImagePullSecret', name: 'pull', controller: true }],
      },
    });
    // The ECR token's expiry (12 h after the call; the fake clock runs with real time, so a second may pass).
    expect(argo.metadata.annotations?.['imps-krm.io/expires-at']).toMatch(/^2026-11-22T12:00:0\dZ$/);
    expect(plain(argo)).toEqual({ url: `${ECR_HOST}/`, type: 'helm', enableOCI: 'true', username: 'AWS', password: CANARY_ECR });
    expect(plain(secretOf(kube, 'argocd', ARGO_QUAY))).toEqual({ url: 'quay.io/', type: 'helm', enableOCI: 'true', username: 'robot', password: CANARY_PASSWORD });
    // A static login never expires: no expiry annotation on its Secret.
    expect(secretOf(kube, 'argocd', ARGO_QUAY)?.metadata.annotations?.['imps-krm.io/expires-at']).toBeUndefined();
    expect(plain(secretOf(kube, 'kargo-demo', KARGO_ECR))).toEqual({ repoURL: `^${ECR_HOST.replaceAll('.', '\\.')}/`, repoURLIsRegex: 'true', username: 'AWS', password: CANARY_ECR });
    expect(plain(secretOf(kube, 'kargo-demo', KARGO_QUAY))?.['password']).toBe(CANARY_PASSWORD);
    // The status's namespaces are the pull Secret's; the credentials' namespaces are not among them.
    expect(statusOf(kube, 'pull')).toMatchObject({ managedNamespaces: ['team-a'] });
    expect(ecrCalls(rig)).toBe(1);
    expect(rig.logs()).toContain('"role":"repository-credential"');
  });

  it('renews the pull Secret and every repository credential with one token call, at half the lifetime', async () => {
    rig = await startRig(objects());
    const { kube, aws, timers } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready');
    await rig.controller.idle();
    expect(ecrCalls(rig)).toBe(1);
    const staticVersion = secretOf(kube, 'argocd', ARGO_QUAY)?.metadata.resourceVersion;
    aws.setEcrPassword('AKIDCONTROLLER', 'CANARY-ecr-renewed-0031');
    timers.advance(5 * 3600_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ecrCalls(rig)).toBe(1);
    timers.advance(3600_000 + 1000);
    await waitFor(
      () =>
        plain(secretOf(kube, 'argocd', ARGO_ECR))?.['password'] === 'CANARY-ecr-renewed-0031' &&
        plain(secretOf(kube, 'kargo-demo', KARGO_ECR))?.['password'] === 'CANARY-ecr-renewed-0031' &&
        dockerConfigOf(secretOf(kube, 'team-a', 'regcred'))?.auths[ECR_HOST]?.password === 'CANARY-ecr-renewed-0031',
    );
    await rig.controller.idle();
    expect(ecrCalls(rig)).toBe(2);
    // One token, one expiry, wherever it is written.
    const expiries = new Set([['argocd', ARGO_ECR], ['kargo-demo', KARGO_ECR], ['team-a', 'regcred']].map(([namespace, name]) => secretOf(kube, namespace!, name!)?.metadata.annotations?.['imps-krm.io/expires-at']));
    expect([...expiries]).toHaveLength(1);
    expect([...expiries][0]).toMatch(/^2026-11-22T18:00:0\dZ$/);
    // The static login's credentials did not change: not written again.
    expect(secretOf(kube, 'argocd', ARGO_QUAY)?.metadata.resourceVersion).toBe(staticVersion);
  });

  it('keeps the credentials it wrote when the token cannot be renewed, and reports the source', async () => {
    rig = await startRig(objects());
    const { kube, aws, timers } = rig;
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Ready');
    await rig.controller.idle();
    const before = secretOf(kube, 'argocd', ARGO_ECR)?.['data'];
    aws.failNext('ecr', { status: 400, code: 'AccessDeniedException', message: 'not allowed' }, 1000);
    timers.advance(6 * 3600_000 + 1000);
    await waitFor(() => statusOf(kube, 'pull')?.['status'] === 'Failed');
    await rig.controller.idle();
    expect(secretOf(kube, 'argocd', ARGO_ECR)?.['data']).toEqual(before);
    expect(secretOf(kube, 'argocd', ARGO_QUAY)).toBeDefined();
    expect(secretOf(kube, 'kargo-demo', KARGO_ECR)).toBeDefined();
  });

  it('repairs a credential deleted or edited by hand', async () => {
    rig = await startRig(objects());
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'kargo-demo', KARGO_QUAY));
    kube.remove('v1', 'Secret', KARGO_QUAY, 'kargo-demo');
    await waitFor(() => secretOf(kube, 'kargo-demo', KARGO_QUAY));
    const edited = secretOf(kube, 'argocd', ARGO_ECR)!;
    kube.put({ ...edited, data: { ...(edited['data'] as Record<string, string>), password: Buffer.from('tampered').toString('base64') } });
    await waitFor(() => plain(secretOf(kube, 'argocd', ARGO_ECR))?.['password'] === CANARY_ECR);
  });

  it('deletes the credentials when the spec drops the extension or an entry, and keeps the pull Secrets', async () => {
    // Garbage collection off: the controller itself must delete them.
    rig = await startRig(objects(), { garbageCollection: false });
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'kargo-demo', KARGO_ECR) && secretOf(kube, 'argocd', ARGO_ECR));
    respec(rig, spec({ argocd: [{}] }));
    await waitFor(() => secretOf(kube, 'kargo-demo', KARGO_ECR) === undefined && secretOf(kube, 'kargo-demo', KARGO_QUAY) === undefined);
    expect(secretOf(kube, 'argocd', ARGO_ECR)).toBeDefined();
    expect(rig.logs()).toContain('"reason":"repository credential no longer asked for"');
    respec(rig, spec(null));
    await waitFor(() => secretOf(kube, 'argocd', ARGO_ECR) === undefined && secretOf(kube, 'argocd', ARGO_QUAY) === undefined);
    await rig.controller.idle();
    expect(secretOf(kube, 'team-a', 'regcred')).toBeDefined();
    expect(statusOf(kube, 'pull')).toMatchObject({ status: 'Ready' });
  });

  it('deletes a registry\'s credentials when its source goes from the spec, and all of them with the ImagePullSecret', async () => {
    rig = await startRig(objects(), { garbageCollection: false });
    const { kube } = rig;
    await waitFor(() => secretOf(kube, 'argocd', ARGO_QUAY) && secretOf(kube, 'argocd', ARGO_ECR));
    respec(rig, { ...spec(), registry: { credentials: [{ namespace: 'creds', name: 'ecr' }] } });
    await waitFor(() => secretOf(kube, 'argocd', ARGO_QUAY) === undefined && secretOf(kube, 'kargo-demo', KARGO_QUAY) === undefined);
    expect(secretOf(kube, 'argocd', ARGO_ECR)).toBeDefined();
    kube.remove('images.banzaicloud.io/v1alpha1', 'ImagePullSecret', 'pull');
    await waitFor(() => secretOf(kube, 'argocd', ARGO_ECR) === undefined && secretOf(kube, 'kargo-demo', KARGO_ECR) === undefined);
  });

  it('writes no credential where a source does not allow the namespace, and removes one when consent is withdrawn', async () => {
    const annotated = (annotations: Record<string, string>): KubeObject => {
      const source = dockerSource('creds', 'quay', 'quay.io', CANARY_PASSWORD);
      return { ...source, metadata: { ...source.metadata, annotations } };
    };
    rig = await startRig([...objects().filter((object) => object.metadata.name !== 'quay'), annotated({ 'imps-krm.io/allowed-namespaces': 'team-a,argocd' })]);
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull'));
    await rig.controller.idle();
    // Kargo's namespace is not allowed: no credential there at all, not even the ECR login's; the rest is written.
    expect(secretOf(kube, 'kargo-demo', KARGO_ECR)).toBeUndefined();
    expect(secretOf(kube, 'kargo-demo', KARGO_QUAY)).toBeUndefined();
    expect(secretOf(kube, 'argocd', ARGO_QUAY)).toBeDefined();
    expect(secretOf(kube, 'team-a', 'regcred')).toBeDefined();
    expect(statusOf(kube, 'pull')).toMatchObject({
      status: 'Failed',
      reason: "source creds.quay: namespace kargo-demo is not in the source Secret's imps-krm.io/allowed-namespaces annotation: this ImagePullSecret's repository credentials are not rendered there",
    });
    kube.put(annotated({ 'imps-krm.io/allowed-namespaces': 'team-a' }));
    await waitFor(() => secretOf(kube, 'argocd', ARGO_QUAY) === undefined && secretOf(kube, 'argocd', ARGO_ECR) === undefined);
    expect(secretOf(kube, 'team-a', 'regcred')).toBeDefined();
    expect(rig.logs()).toContain('"reason":"a source no longer allows the namespace"');
  });

  it('waits for a namespace that does not exist yet, and never writes over a Secret it does not own', async () => {
    const foreign = { apiVersion: 'v1', kind: 'Secret', metadata: { name: KARGO_QUAY, namespace: 'kargo-demo', labels: { 'imps-krm.io/owner': 'someone-else' } }, type: 'Opaque', data: { x: 'eA==' } };
    // A Secret without our label at a credential's name: not watched (only target names are), met by the create.
    const unlabelled = { apiVersion: 'v1', kind: 'Secret', metadata: { name: KARGO_ECR, namespace: 'kargo-demo' }, type: 'Opaque', data: { y: 'eQ==' } };
    rig = await startRig([...objects().filter((object) => object.metadata.name !== 'argocd'), foreign, unlabelled]);
    const { kube } = rig;
    await waitFor(() => statusOf(kube, 'pull'));
    await rig.controller.idle();
    expect(secretOf(kube, 'kargo-demo', KARGO_QUAY)?.['data']).toEqual({ x: 'eA==' });
    expect(secretOf(kube, 'kargo-demo', KARGO_ECR)?.['data']).toEqual({ y: 'eQ==' });
    const reason = String(statusOf(kube, 'pull')?.['reason']);
    expect(reason).toContain(`Secret kargo-demo/${KARGO_QUAY}: owned by another ImagePullSecret (someone-else); not overwriting it`);
    expect(reason).toContain(`Secret kargo-demo/${KARGO_ECR}: a Secret with this name exists and is not managed by imps-krm; not overwriting it`);
    expect(secretOf(kube, 'team-a', 'regcred')).toBeDefined();
    // Retried with backoff: once it is gone, the credential is written.
    kube.remove('v1', 'Secret', KARGO_ECR, 'kargo-demo');
    await waitFor(() => secretOf(kube, 'kargo-demo', KARGO_ECR)?.metadata.labels?.['imps-krm.io/owner'] === 'pull');
    expect(rig.logs()).toContain('namespace argocd does not exist; its repository credentials are skipped');
    kube.put(ns('argocd'));
    await waitFor(() => secretOf(kube, 'argocd', ARGO_ECR) && secretOf(kube, 'argocd', ARGO_QUAY));
  });
});
