// The controller's admission policies (deploy/controller/admission-policy.yaml), evaluated with a CEL library
// against allowed and forbidden requests built as the API server builds them. No API server is involved.
import { describe, expect, it } from 'vitest';
import { EXPIRES_AT_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL, REFRESHER_ANNOTATION } from '../../src/core/contract.js';
import { adopted, CONTROLLER, create, foreignSecret, impsOwnerRef, impsSecret, recorded, remove, repositoryCredential, serviceAccount, shell, target, update, withMeta } from './attempts.js';
import { loadPolicies, type Attempt } from './cel-policy.js';

const policies = loadPolicies('deploy/controller/admission-policy.yaml');
const secrets = policies.get('imps-krm-controller-secrets')!;
const accounts = policies.get('imps-krm-controller-service-accounts')!;

const S = {
  type: 'imps-krm-controller writes only Secrets of type kubernetes.io/dockerconfigjson, and Opaque repository credentials labelled argocd.argoproj.io/secret-type (repo-creds or repository) or kargo.akuity.io/cred-type (image or helm)',
  toolLabels: 'imps-krm-controller puts the argocd.argoproj.io/secret-type and kargo.akuity.io/cred-type labels only on repository credentials',
  repoKeys:
    'imps-krm-controller writes in a repository credential only the keys of a registry login (Argo CD url, type, enableOCI, username, password, name, project; Kargo repoURL, repoURLIsRegex, username, password)',
  toolLabelKept: 'imps-krm-controller never changes the argocd.argoproj.io/secret-type or kargo.akuity.io/cred-type label of a Secret',
  label: 'imps-krm-controller writes only Secrets labelled imps-krm.io/owner',
  typeChange: 'imps-krm-controller never changes the type of a Secret',
  labelKept: 'imps-krm-controller never removes or changes the imps-krm.io/owner label of a Secret',
  adoption:
    "imps-krm-controller takes over an unlabelled Secret only when it is the IMPS controller's Secret of the same ImagePullSecret, msi-acrpull's Secret of an AcrPullBinding (owner references kept) or is marked by Argo CD, Helm or Flux, and never one owned by another kind of object",
  keepMeta: "imps-krm-controller never removes a label or an annotation of a Secret, but imps-krm.io/expires-at, IMPS's banzaicloud.com/last-applied and msi-acrpull's acr.microsoft.com/token.* of a binding's Secret",
  keepOwners: 'imps-krm-controller never removes an owner reference to anything but an ImagePullSecret',
  ownerRef: 'imps-krm-controller creates and replaces only Secrets owned by an ImagePullSecret or an AcrPullBinding (owner reference)',
  shells: 'imps-krm-controller never creates, deletes or unmarks a shell Secret (imps-krm.io/refresher-managed); it only fills them',
  fill: 'imps-krm-controller fills a shell Secret by changing only its data and the imps-krm.io/expires-at annotation',
  deletes:
    "imps-krm-controller deletes only Secrets it created (labelled imps-krm.io/owner, owned by an ImagePullSecret or an AcrPullBinding) and the IMPS controller's (its owner-uid label and owner reference, no other tool's marks)",
};
const A = {
  operation: 'imps-krm-controller never creates or deletes ServiceAccounts',
  fields: 'imps-krm-controller changes nothing in a ServiceAccount but imagePullSecrets and its own record (secrets, automountServiceAccountToken, ownerReferences and finalizers stay)',
  labels: 'imps-krm-controller changes no ServiceAccount label but imps-krm.io/pull-secrets-patched',
  annotations: 'imps-krm-controller changes no ServiceAccount annotation but imps-krm.io/added-pull-secrets',
  marker: 'imps-krm-controller labels a ServiceAccount imps-krm.io/pull-secrets-patched="true" exactly when it holds an imps-krm.io/added-pull-secrets record',
  format: 'imps-krm-controller writes imps-krm.io/added-pull-secrets only as comma-separated <ImagePullSecret>/<Secret> pairs',
  added: 'imps-krm-controller adds to imagePullSecrets only the Secrets it records in imps-krm.io/added-pull-secrets',
  removed: 'imps-krm-controller removes from imagePullSecrets only the Secrets its imps-krm.io/added-pull-secrets record held',
};

function judge(policy: typeof secrets, attempt: Attempt): readonly string[] | 'not judged' {
  const verdict = policy.evaluate(attempt);
  expect(verdict.errors).toEqual([]);
  return verdict.applies ? verdict.denied : 'not judged';
}

const newData = (secret: Record<string, unknown>): Record<string, unknown> => ({ ...target({ password: 'two' }), metadata: secret['metadata'] });
const shellAnnotations = { [REFRESHER_ANNOTATION]: 'true', 'imps-krm.io/image-pull-secret': 'web' };
const shellLabels = { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: 'web', 'app.kubernetes.io/instance': 'argocd-app' };
const DOCKER = 'kubernetes.io/dockerconfigjson';
const ours = { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: 'web' };
const argoLabels = { 'app.kubernetes.io/instance': 'shop' };
const argoAnnotations = { 'argocd.argoproj.io/tracking-id': 'shop:/Secret:app/regcred', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
const helmLabels = { [MANAGED_BY_LABEL]: 'Helm' };
const helmAnnotations = { 'meta.helm.sh/release-name': 'shop', 'meta.helm.sh/release-namespace': 'app' };
const fluxLabels = { 'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system' };
const externalSecret = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', name: 'regcred', uid: 'uid-es', controller: true };

describe('Secrets written by imps-krm-controller', () => {
  const allowed: [string, Attempt][] = [
    ['create a target Secret (planned create)', create(withMeta(target(), { uid: undefined, resourceVersion: undefined }))],
    ['replace its own target with new data and expiry', update(target(), withMeta(newData(target()), { annotations: { [EXPIRES_AT_ANNOTATION]: '2026-11-23T00:00:00Z' } }))],
    ['replace its own target dropping the expiry annotation', update(target(), withMeta(target(), { annotations: undefined }))],
    ["adopt the IMPS Secret of the same ImagePullSecret (our labels beside IMPS's, its owner reference replaced by ours, its last-applied copy dropped)", update(impsSecret(), adopted())],
    ['take over a Secret Argo CD tracks (spec.target.secret.adoptFrom), its metadata kept', update(foreignSecret(DOCKER, argoLabels, argoAnnotations), target({ labels: { ...ours, ...argoLabels }, annotations: { ...argoAnnotations, [EXPIRES_AT_ANNOTATION]: 'x' } }))],
    ['take over a Secret of a Helm release (adoptFrom)', update(foreignSecret(DOCKER, helmLabels, helmAnnotations), target({ labels: { ...ours, ...helmLabels, [MANAGED_BY_LABEL]: MANAGED_BY }, annotations: helmAnnotations }))],
    ['take over a Secret Flux applied (adoptFrom)', update(foreignSecret(DOCKER, fluxLabels), target({ labels: { ...ours, ...fluxLabels } }))],
    ['update its target keeping the Argo CD tracking annotation and an ExternalSecret owner it never adopted', update(target({ annotations: argoAnnotations }), target({ annotations: { ...argoAnnotations, [EXPIRES_AT_ANNOTATION]: 'x' } }))],
    ['fill a shell: data and expiry added', update(shell(), withMeta(shell({ filled: 'one' }), { annotations: { ...shellAnnotations, [EXPIRES_AT_ANNOTATION]: '2026-11-22T12:00:00Z' } }))],
    ['refill a shell: data changed, expiry removed', update(withMeta(shell({ filled: 'one' }), { annotations: { ...shellAnnotations, [EXPIRES_AT_ANNOTATION]: 'x' } }), shell({ filled: 'two' }))],
    ['fill a shell that an owner reference ties to its Argo CD app', update(shell({ ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: 'a', uid: 'u' }] }), shell({ filled: 'one', ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: 'a', uid: 'u' }] }))],
    ['delete a target it created (deselected namespace, orphan sweep)', remove(target())],
    ['delete a target adopted from IMPS (owner reference not controller)', remove(withMeta(target(), { ownerReferences: [impsOwnerRef('web', 'uid-web', false)] }))],
    ['delete the IMPS Secret where IMPS itself would have (not selected any more, old name)', remove(impsSecret())],
    ['create an Argo CD repo-creds template (repositoryCredentials)', create(withMeta(repositoryCredential('argocd'), { uid: undefined, resourceVersion: undefined }))],
    [
      'create an Argo CD repository of a project',
      create(repositoryCredential('argocd', { labels: { ...ours, 'argocd.argoproj.io/secret-type': 'repository' }, data: { url: 'oci://r.example/charts', type: 'oci', name: 'x', project: 'team-a', username: 'AWS', password: 'p' } })),
    ],
    ['create a Kargo image credential', create(repositoryCredential('kargo'))],
    ['create a Kargo helm credential', create(repositoryCredential('kargo', { labels: { ...ours, 'kargo.akuity.io/cred-type': 'helm' } }))],
    ['renew a repository credential (password and expiry)', update(repositoryCredential('argocd'), repositoryCredential('argocd', { password: 'two' }))],
    ['delete a repository credential it created (dropped from the spec)', remove(repositoryCredential('kargo'))],
  ];
  it.each(allowed)('allows: %s', (_name, attempt) => {
    expect(judge(secrets, attempt)).toEqual([]);
  });

  const forbidden: [string, Attempt, string[]][] = [
    ['create an Opaque Secret', create(target({ type: 'Opaque' })), [S.type]],
    ['create a service-account-token Secret (a token would be minted into it)', create(target({ type: 'kubernetes.io/service-account-token' })), [S.type]],
    ['create a docker config Secret without the owner label', create(target({ labels: { [MANAGED_BY_LABEL]: MANAGED_BY } })), [S.label]],
    ['create a Secret with no labels at all', create(withMeta(target(), { labels: undefined })), [S.label]],
    ['create a labelled Secret with no ImagePullSecret owner reference', create(withMeta(target(), { ownerReferences: undefined })), [S.ownerRef]],
    ['create a Secret owned by something else', create(target({ ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u' }] })), [S.ownerRef]],
    ['create a shell', create(target({ annotations: shellAnnotations })), [S.shells]],
    ['change a target into an Opaque Secret', update(target(), target({ type: 'Opaque' })), [S.type, S.typeChange]],
    ['change an Opaque labelled Secret into a docker config', update(target({ type: 'Opaque' }), target()), [S.typeChange]],
    ['strip the owner label on update', update(target(), target({ labels: { [MANAGED_BY_LABEL]: MANAGED_BY } })), [S.label, S.labelKept, S.keepMeta]],
    ['change the owner label value', update(target(), target({ labels: { ...ours, [OWNER_LABEL]: 'other' } })), [S.labelKept]],
    ['remove the owner reference of its target', update(target(), withMeta(target(), { ownerReferences: undefined })), [S.ownerRef]],
    ['take over an application Secret (no IMPS owner, no tool) by labelling it', update(foreignSecret(DOCKER), target({ labels: { ...ours, app: 'web' } })), [S.adoption]],
    ['take over the IMPS Secret of another ImagePullSecret for this one', update(impsSecret('uid-other'), target({ labels: { ...ours, 'images.banzaicloud.io/owner-uid': 'uid-other' } })), [S.adoption]],
    ['take over an IMPS Secret dropping its owner reference', update(impsSecret(), target({ labels: { ...ours, 'images.banzaicloud.io/owner-uid': 'uid-web' }, ownerReferences: [impsOwnerRef('web', 'uid-new')] })), [S.adoption]],
    ['take over a Secret marked only with an owner reference to an ImagePullSecret (no IMPS label)', update(foreignSecret(DOCKER, {}, {}, [impsOwnerRef('web', 'uid-web', false)]), target()), [S.adoption]],
    ['take over a tracked Secret owned by an ExternalSecret', update(foreignSecret(DOCKER, argoLabels, {}, [externalSecret]), target({ labels: { ...ours, ...argoLabels }, ownerReferences: [externalSecret, impsOwnerRef()] })), [S.adoption]],
    ["drop Argo CD's tracking annotation", update(target({ annotations: argoAnnotations }), target()), [S.keepMeta]],
    ["drop another tool's label", update(target({ labels: { ...ours, team: 'a' } }), target()), [S.keepMeta]],
    ['drop an owner reference to an ExternalSecret', update(target({ ownerReferences: [impsOwnerRef(), externalSecret] }), target()), [S.keepOwners]],
    ['add a label to a shell', update(shell(), shell({ filled: 'one', labels: { ...shellLabels, extra: 'x' } })), [S.fill]],
    ['remove a label from a shell', update(shell(), shell({ filled: 'one', labels: { [OWNER_LABEL]: 'web' } })), [S.keepMeta, S.fill]],
    ['change another annotation of a shell', update(shell(), shell({ filled: 'one', annotations: { ...shellAnnotations, note: 'x' } })), [S.fill]],
    ['drop another annotation of a shell', update(shell(), shell({ filled: 'one', annotations: { [REFRESHER_ANNOTATION]: 'true' } })), [S.keepMeta, S.fill]],
    ['give a shell an owner reference', update(shell(), shell({ filled: 'one', ownerReferences: [impsOwnerRef()] })), [S.fill]],
    ['unmark a shell', update(shell(), shell({ filled: 'one', annotations: { 'imps-krm.io/image-pull-secret': 'web' } })), [S.keepMeta, S.shells, S.fill]],
    ['turn its target into a shell', update(target(), target({ annotations: shellAnnotations })), [S.shells]],
    ['delete a shell', remove(withMeta(shell(), { ownerReferences: [impsOwnerRef()] })), [S.shells]],
    ['delete an unlabelled Secret', remove(foreignSecret()), [S.deletes]],
    ['delete an IMPS Secret that Argo CD tracks now', remove(withMeta(impsSecret(), { annotations: argoAnnotations })), [S.deletes]],
    ['delete an IMPS Secret that another object owns too', remove(withMeta(impsSecret(), { ownerReferences: [impsOwnerRef('web', 'uid-web', false), externalSecret] })), [S.deletes]],
    ["delete an IMPS-labelled Secret whose owner reference names another ImagePullSecret", remove(withMeta(impsSecret(), { ownerReferences: [impsOwnerRef('other', 'uid-other', false)] })), [S.deletes]],
    ['delete a Secret with only the IMPS label (its owner reference gone)', remove(withMeta(impsSecret(), { ownerReferences: undefined })), [S.deletes]],
    ['delete a labelled Secret applied by GitOps (no owner reference)', remove(withMeta(target(), { ownerReferences: undefined })), [S.deletes]],
    ['create an Opaque Secret with only our labels', create(repositoryCredential('argocd', { labels: ours })), [S.type]],
    [
      'create an Argo CD cluster Secret (Argo CD would connect to the server it names)',
      create(repositoryCredential('argocd', { labels: { ...ours, 'argocd.argoproj.io/secret-type': 'cluster' }, data: { name: 'c', server: 'https://x', config: '{}' } })),
      [S.type],
    ],
    ['create an Argo CD write credential (repository-write)', create(repositoryCredential('argocd', { labels: { ...ours, 'argocd.argoproj.io/secret-type': 'repository-write' } })), [S.type]],
    ['create a Kargo git credential', create(repositoryCredential('kargo', { labels: { ...ours, 'kargo.akuity.io/cred-type': 'git' } })), [S.type]],
    ['create a Kargo generic Secret', create(repositoryCredential('kargo', { labels: { ...ours, 'kargo.akuity.io/cred-type': 'generic' } })), [S.type]],
    ['create a Secret labelled for both Argo CD and Kargo', create(repositoryCredential('argocd', { labels: { ...ours, 'argocd.argoproj.io/secret-type': 'repo-creds', 'kargo.akuity.io/cred-type': 'image' } })), [S.type]],
    ['create an Argo CD credential with an SSH key', create(repositoryCredential('argocd', { data: { url: 'r.example/', sshPrivateKey: 'k' } })), [S.repoKeys]],
    ['create an Argo CD credential with a proxy', create(repositoryCredential('argocd', { data: { url: 'r.example/', username: 'u', password: 'p', proxy: 'http://evil' } })), [S.repoKeys]],
    ['create a Kargo credential with an Argo CD key', create(repositoryCredential('kargo', { data: { repoURL: '^r/', url: 'r/' } })), [S.repoKeys]],
    ['create a repository credential without the owner label', create(repositoryCredential('kargo', { labels: { 'kargo.akuity.io/cred-type': 'image' } })), [S.label]],
    ['create a repository credential with no ImagePullSecret owner reference', create(withMeta(repositoryCredential('argocd'), { ownerReferences: undefined })), [S.ownerRef]],
    ['turn a repo-creds template into a repository', update(repositoryCredential('argocd'), repositoryCredential('argocd', { labels: { ...ours, 'argocd.argoproj.io/secret-type': 'repository' } })), [S.toolLabelKept]],
    ['turn a Kargo credential into an Argo CD one', update(repositoryCredential('kargo'), repositoryCredential('argocd')), [S.toolLabelKept, S.keepMeta]],
    ['change a repository credential into a docker config Secret', update(repositoryCredential('argocd'), repositoryCredential('argocd', { type: DOCKER })), [S.toolLabels, S.typeChange]],
    ['label a pull Secret as an Argo CD cluster Secret', create(target({ labels: { ...ours, 'argocd.argoproj.io/secret-type': 'cluster' } })), [S.toolLabels]],
    ['label a pull Secret as a Kargo credential', update(target(), target({ labels: { ...ours, 'kargo.akuity.io/cred-type': 'image' } })), [S.toolLabels]],
    ['delete an Argo CD credential it did not create', remove(repositoryCredential('argocd', { labels: { 'argocd.argoproj.io/secret-type': 'repo-creds' }, ownerReferences: [] })), [S.deletes]],
  ];
  it.each(forbidden)('denies: %s', (_name, attempt, messages) => {
    expect(judge(secrets, attempt)).toEqual(messages);
  });

  it('judges only the controller ServiceAccount, in any namespace', () => {
    const opaque = create(target({ type: 'Opaque' }));
    expect(judge(secrets, { ...opaque, username: 'system:serviceaccount:other-ns:imps-krm-controller' })).toEqual([S.type]);
    for (const username of ['alice', 'system:serviceaccount:imps-krm-system:default', 'system:serviceaccount:imps-krm-system:imps-krm-controller-2', 'system:serviceaccount:x:not-imps-krm-controller', 'imps-krm-controller']) {
      expect(judge(secrets, { ...opaque, username })).toBe('not judged');
    }
    expect(judge(secrets, { ...opaque, resource: { group: '', version: 'v1', resource: 'configmaps' }, kind: 'ConfigMap' })).toBe('not judged');
    expect(judge(secrets, { ...opaque, operation: 'CONNECT' })).toBe('not judged');
  });
});

describe('ServiceAccounts patched by imps-krm-controller', () => {
  const irsa = { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/app' };
  const handWritten = serviceAccount({ imagePullSecrets: ['hand'], labels: { team: 'a' }, annotations: irsa, extra: { secrets: [{ name: 'tok' }] } });
  const withOurs = serviceAccount({ imagePullSecrets: ['hand', 'regcred'], ...recorded('web/regcred', { team: 'a' }, irsa), extra: { secrets: [{ name: 'tok' }] } });

  const allowed: [string, Attempt][] = [
    ['add its entry with the record and marker', update(handWritten, withOurs)],
    ['add its entry to a bare ServiceAccount', update(serviceAccount(), serviceAccount({ imagePullSecrets: ['regcred'], ...recorded('web/regcred') }))],
    ['remove its entry and the record (hand entry stays)', update(withOurs, handWritten)],
    ['remove its last entry from a bare ServiceAccount', update(serviceAccount({ imagePullSecrets: ['regcred'], ...recorded('web/regcred') }), serviceAccount())],
    [
      'add a second owner\'s entry',
      update(withOurs, serviceAccount({ imagePullSecrets: ['hand', 'regcred', 'other'], ...recorded('mirror/other,web/regcred', { team: 'a' }, irsa), extra: { secrets: [{ name: 'tok' }] } })),
    ],
    ['record a name someone else listed first without adding it again', update(handWritten, withMeta(handWritten, recorded('web/hand', { team: 'a' }, irsa)))],
    ['drop a duplicate of its entry', update(serviceAccount({ imagePullSecrets: ['regcred', 'regcred'], ...recorded('web/regcred') }), serviceAccount({ imagePullSecrets: ['regcred'], ...recorded('web/regcred') }))],
    ['write nothing new (a no-op patch)', update(withOurs, withOurs)],
  ];
  it.each(allowed)('allows: %s', (_name, attempt) => {
    expect(judge(accounts, attempt)).toEqual([]);
  });

  const forbidden: [string, Attempt, string[]][] = [
    ['create a ServiceAccount', create(serviceAccount()), [A.operation]],
    ['delete a ServiceAccount', remove(handWritten), [A.operation]],
    ['turn token automount on', update(handWritten, { ...handWritten, automountServiceAccountToken: true }), [A.fields]],
    ['change its secrets', update(handWritten, { ...handWritten, secrets: [{ name: 'other' }] }), [A.fields]],
    ['drop its secrets', update(handWritten, serviceAccount({ imagePullSecrets: ['hand'], labels: { team: 'a' }, annotations: irsa })), [A.fields]],
    ['add an owner reference', update(handWritten, withMeta(handWritten, { ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'x', uid: 'u' }] })), [A.fields]],
    ['add a finalizer', update(handWritten, withMeta(handWritten, { finalizers: ['x'] })), [A.fields]],
    ['change another label', update(handWritten, withMeta(handWritten, { labels: { team: 'b' } })), [A.labels]],
    ['remove another label', update(handWritten, withMeta(handWritten, { labels: undefined })), [A.labels]],
    ['change the IAM role annotation (IRSA)', update(handWritten, withMeta(handWritten, { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/admin' } })), [A.annotations]],
    ['add an annotation', update(handWritten, withMeta(handWritten, { annotations: { ...irsa, 'azure.workload.identity/client-id': 'x' } })), [A.annotations]],
    ['add an entry it does not record', update(handWritten, { ...handWritten, imagePullSecrets: [{ name: 'hand' }, { name: 'sneaky' }] }), [A.added]],
    ['add an entry recorded under another Secret name', update(handWritten, { ...withMeta(handWritten, recorded('web/regcred', { team: 'a' }, irsa)), imagePullSecrets: [{ name: 'hand' }, { name: 'cred' }] }), [A.added]],
    ['remove a hand-written entry', update(withOurs, { ...withOurs, imagePullSecrets: [{ name: 'regcred' }] }), [A.removed]],
    ['set the marker label without a record', update(handWritten, withMeta(handWritten, { labels: { team: 'a', 'imps-krm.io/pull-secrets-patched': 'true' } })), [A.marker]],
    ['write a record without the marker label', update(handWritten, withMeta(handWritten, { annotations: { ...irsa, 'imps-krm.io/added-pull-secrets': 'web/hand' } })), [A.marker]],
    ['set the marker label to another value', update(handWritten, withMeta(handWritten, { ...recorded('web/hand', { team: 'a' }, irsa), labels: { team: 'a', 'imps-krm.io/pull-secrets-patched': 'yes' } })), [A.marker]],
    ['write a malformed record', update(handWritten, withMeta(handWritten, recorded('web/hand,Other', { team: 'a' }, irsa))), [A.format]],
  ];
  it.each(forbidden)('denies: %s', (_name, attempt, messages) => {
    expect(judge(accounts, attempt)).toEqual(messages);
  });

  it('judges only the controller ServiceAccount', () => {
    const automount = update(handWritten, { ...handWritten, automountServiceAccountToken: true });
    expect(judge(accounts, { ...automount, username: 'system:serviceaccount:kube-system:namespace-controller' })).toBe('not judged');
    expect(judge(accounts, { ...automount, username: CONTROLLER })).toEqual([A.fields]);
  });
});
