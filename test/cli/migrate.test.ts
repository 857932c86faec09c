// `imps-krm migrate` on the BUILT CLI against the test API server: the plan a person reads before switching from the
// IMPS controller, in text and JSON, and its exit code. The server records every request: the check only reads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, run } from '../e2e/cli-on-path.js';
import { startFakeKubeApi, type FakeKubeApi, type KubeObject } from '../fakes/kube-api-server.js';
import { guardedEnv } from '../guard/child-env.js';
import { b64, dockerSource, imps, ns } from '../controller/harness.js';

let dir: string;
let kube: FakeKubeApi | undefined;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imps-krm-migrate-'));
  return () => rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

const migrate = (args: readonly string[]) =>
  run(process.execPath, [BUILT_CLI, 'migrate', '--kubeconfig', kube!.kubeconfigPath, ...args], { cwd: dir, env: guardedEnv({ ...process.env, LOG_LEVEL: '' }) });

const UID = '5f0c4c5e-0000-4000-8000-00000000c0de';
const ref = { apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'imps-controller-default', uid: UID };
const login = { '.dockerconfigjson': b64('{"auths":{"r.example":{"auth":"b2xkOm9sZA=="}}}') };

/** The IMPS controller's Secret for the chart's default ImagePullSecret. */
const fromImps = (namespace: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'regcred', namespace, labels: { 'images.banzaicloud.io/owner-uid': UID }, annotations: { 'banzaicloud.com/last-applied': 'UEsDBA==' }, ownerReferences: [ref] },
  type: 'kubernetes.io/dockerconfigjson',
  data: login,
});

/** IMPS's chart with defaultConfig.enabled: the ImagePullSecret is part of the Helm release (labels, annotations). */
function helmCr(): KubeObject {
  const cr = imps('imps-controller-default', {
    registry: { credentials: [{ namespace: 'creds', name: 'hub' }] },
    target: { secret: { name: 'regcred' }, namespaces: { labels: [{ matchLabels: { team: 'a' } }] } },
  });
  cr.metadata.uid = UID;
  cr.metadata.labels = { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'imps', 'helm.sh/chart': 'imagepullsecrets-0.3.13' };
  cr.metadata.annotations = { 'meta.helm.sh/release-name': 'imps', 'meta.helm.sh/release-namespace': 'imps-system' };
  return cr;
}

function cluster(): KubeObject[] {
  return [
    ns('default'),
    ns('creds'),
    ns('imps-system'),
    ns('team-a', { team: 'a' }),
    ns('team-b', { team: 'a' }),
    ns('team-c', { team: 'a' }),
    ns('left'),
    ns('shop'),
    dockerSource('creds', 'hub', 'https://index.docker.io/v1/', 'CANARY-migrate-password-0010'),
    // An ECR login whose accountID lost its leading zero (written as a number somewhere): 11 digits.
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'ecr', namespace: 'creds' },
      type: 'banzaicloud.io/aws-ecr-login-config',
      data: { accountID: b64('12345678901'), region: b64('us-east-1'), accessKeyID: b64('AKIDMIGRATE'), secretKey: b64('CANARY-migrate-key-0011') },
    },
    // The same keys in an untyped (Opaque) Secret: IMPS refused it too.
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'untyped', namespace: 'creds' }, type: 'Opaque', data: { accountID: b64('123456789012'), region: b64('us-east-1'), accessKeyID: b64('AKIDMIGRATE'), secretKey: b64('CANARY-migrate-key-0011') } },
    helmCr(),
    imps('shop', { registry: { credentials: [{ namespace: 'creds', name: 'ecr' }, { namespace: 'creds', name: 'untyped' }] }, target: { secret: { name: 'shop-cred' }, namespaces: { names: ['shop'] } } }),
    fromImps('team-a'),
    fromImps('left'),
    // Argo CD synced this one over the IMPS Secret.
    { ...fromImps('team-b'), metadata: { ...fromImps('team-b').metadata, annotations: { 'argocd.argoproj.io/tracking-id': 'shop:/Secret:team-b/regcred' } } },
    // An IMPS Secret whose ImagePullSecret is gone (its owner reference already removed).
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'old', namespace: 'left', labels: { 'images.banzaicloud.io/owner-uid': 'uid-gone' } }, type: 'kubernetes.io/dockerconfigjson', data: login },
  ];
}

describe('imps-krm migrate (built CLI)', () => {
  it('prints the plan: adopt, refuse, delete, create, spec changes, the Helm release and its steps; exit 1; reads only', async () => {
    kube = await startFakeKubeApi({ objects: cluster() });
    const result = await migrate([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: not ready to switch: 1 Secret(s) refused, 2 spec or source change(s), 1 ImagePullSecret(s) or CRD(s) in a Helm release without a keep policy\n');
    const text = result.stdout;
    expect(text).toContain('ImagePullSecret imps-controller-default (Helm release imps in imps-system)');
    expect(text).toMatch(/ {2}adopt {4}team-a\/regcred +written by IMPS\n/);
    expect(text).toMatch(/ {2}refuse {3}team-b\/regcred +argocd: Argo CD tracks it; not overwriting it/);
    expect(text).toMatch(/ {2}delete {3}left\/regcred +IMPS would delete it: namespace no longer selected\n/);
    expect(text).toMatch(/ {2}create {3}team-c\/regcred +no Secret there yet\n/);
    expect(text).toContain('helm upgrade imps <the IMPS chart, same version> -n imps-system -f imps-values.yaml --post-renderer ./keep-imagepullsecrets.sh');
    expect(text).toContain('helm uninstall imps -n imps-system   # reports ImagePullSecret imps-controller-default as kept');
    expect(text).toContain('ImagePullSecret shop\n');
    expect(text).toMatch(/ {2}change {3}source creds\.ecr: .*accountID/);
    expect(text).toMatch(/ {2}change {3}source creds\.untyped: .*Opaque/);
    expect(text).toContain('left     left/old: IMPS Secret of an ImagePullSecret that is gone, with no owner reference: nothing removes it');
    expect(text).toContain('Summary: 1 to adopt, 1 refused, 1 to delete, 1 to create; 2 spec or source change(s); 1 ImagePullSecret(s) or CRD(s) in a Helm release without a keep policy. Not ready to switch.');
    expect(`${text}${result.stderr}`).not.toContain('CANARY');
    expect(kube.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });

  it('-o json carries the same plan, and --require-source-consent adds the sources without consent annotations', async () => {
    kube = await startFakeKubeApi({ objects: cluster() });
    const plain = JSON.parse((await migrate(['-o', 'json'])).stdout) as { summary: Record<string, number>; ready: boolean; imagePullSecrets: Array<{ name: string; specChanges: string[]; helm?: unknown }> };
    expect(plain.summary).toEqual({ adopt: 1, refuse: 1, delete: 1, create: 1, specChanges: 2, helmReleases: 1 });
    expect(plain.ready).toBe(false);
    expect(plain.imagePullSecrets[0]).toMatchObject({ name: 'imps-controller-default', helm: { release: 'imps', namespace: 'imps-system', keep: false } });
    const strict = JSON.parse((await migrate(['-o', 'json', '--require-source-consent'])).stdout) as typeof plain;
    expect(strict.imagePullSecrets[0]!.specChanges).toEqual([expect.stringMatching(/^source creds\.hub: .*imps-krm\.io\/allowed-image-pull-secrets/)]);
  });

  it('a cluster ready for the switch: exit 0', async () => {
    const cr = { ...helmCr(), metadata: { name: 'imps-controller-default', uid: UID } };
    kube = await startFakeKubeApi({ objects: [ns('default'), ns('creds'), ns('team-a', { team: 'a' }), dockerSource('creds', 'hub', 'https://index.docker.io/v1/', 'CANARY-migrate-password-0010'), cr, fromImps('team-a')] });
    const result = await migrate([]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Summary: 1 to adopt, 0 refused, 0 to delete, 0 to create; 0 spec or source change(s); 0 ImagePullSecret(s) or CRD(s) in a Helm release without a keep policy. Ready to switch.');
    expect(result.code).toBe(0);
  });

  it('a cluster it cannot read: one line, exit 1', async () => {
    kube = await startFakeKubeApi({ objects: [] });
    kube.inject({ match: (request) => request.path.includes('imagepullsecrets'), status: 403, times: 1 });
    const result = await migrate([]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: cannot read the cluster: GET \/apis\/images\.banzaicloud\.io\/v1alpha1\/imagepullsecrets: HTTP 403/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
