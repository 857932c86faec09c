// The controller's admission policies (deploy/controller/admission-policy.yaml), evaluated with a CEL library
// against allowed and forbidden requests built as the API server builds them. No API server is involved.
import { describe, expect, it } from 'vitest';
import { EXPIRES_AT_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL, REFRESHER_ANNOTATION } from '../../src/core/contract.js';
import { CONTROLLER, create, foreignSecret, impsOwnerRef, impsSecret, recorded, remove, serviceAccount, shell, target, update, withMeta } from './attempts.js';
import { loadPolicies, type Attempt } from './cel-policy.js';

const policies = loadPolicies('deploy/controller/admission-policy.yaml');
const secrets = policies.get('imps-krm-controller-secrets')!;
const accounts = policies.get('imps-krm-controller-service-accounts')!;

const S = {
  type: 'imps-krm-controller writes only Secrets of type kubernetes.io/dockerconfigjson',
  label: 'imps-krm-controller writes only Secrets labelled imps-krm.io/owner',
  typeChange: 'imps-krm-controller never changes the type of a Secret',
  labelKept: 'imps-krm-controller never removes or changes the imps-krm.io/owner label of a Secret',
  adoption: 'imps-krm-controller takes over an unlabelled Secret only when it is owned by the same ImagePullSecret (IMPS adoption)',
  ownerRef: 'imps-krm-controller creates and replaces only Secrets owned by an ImagePullSecret (owner reference)',
  shells: 'imps-krm-controller never creates, deletes or unmarks a shell Secret (imps-krm.io/refresher-managed); it only fills them',
  fill: 'imps-krm-controller fills a shell Secret by changing only its data and the imps-krm.io/expires-at annotation',
  deletes: 'imps-krm-controller deletes only Secrets it created (labelled imps-krm.io/owner, owned by an ImagePullSecret)',
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

describe('Secrets written by imps-krm-controller', () => {
  const allowed: [string, Attempt][] = [
    ['create a target Secret (ensureSecret)', create(withMeta(target(), { uid: undefined, resourceVersion: undefined }))],
    ['replace its own target with new data and expiry', update(target(), withMeta(newData(target()), { annotations: { [EXPIRES_AT_ANNOTATION]: '2026-11-23T00:00:00Z' } }))],
    ['replace its own target dropping the expiry annotation', update(target(), withMeta(target(), { annotations: undefined }))],
    ['adopt the IMPS Secret of the same ImagePullSecret (label added, owner reference kept)', update(impsSecret(), target())],
    ['fill a shell: data and expiry added', update(shell(), withMeta(shell({ filled: 'one' }), { annotations: { ...shellAnnotations, [EXPIRES_AT_ANNOTATION]: '2026-11-22T12:00:00Z' } }))],
    ['refill a shell: data changed, expiry removed', update(withMeta(shell({ filled: 'one' }), { annotations: { ...shellAnnotations, [EXPIRES_AT_ANNOTATION]: 'x' } }), shell({ filled: 'two' }))],
    ['fill a shell that an owner reference ties to its Argo CD app', update(shell({ ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: 'a', uid: 'u' }] }), shell({ filled: 'one', ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', name: 'a', uid: 'u' }] }))],
    ['delete a target it created (deselected namespace, orphan sweep)', remove(target())],
    ['delete a target adopted from IMPS (owner reference not controller)', remove(withMeta(target(), { ownerReferences: [impsOwnerRef('web', 'uid-web', false)] }))],
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
    ['strip the owner label on update', update(target(), target({ labels: { [MANAGED_BY_LABEL]: MANAGED_BY } })), [S.label, S.labelKept]],
    ['change the owner label value', update(target(), target({ labels: { [OWNER_LABEL]: 'other' } })), [S.labelKept]],
    ['remove the owner reference of its target', update(target(), withMeta(target(), { ownerReferences: undefined })), [S.ownerRef]],
    ['take over an application Secret (no IMPS owner) by labelling it', update(foreignSecret(target()['type'] as string), target()), [S.adoption]],
    ['take over the IMPS Secret of another ImagePullSecret', update(impsSecret('uid-other'), target()), [S.adoption]],
    ['take over an IMPS Secret dropping its owner reference', update(impsSecret(), target({ ownerReferences: [impsOwnerRef('web', 'uid-new')] })), [S.adoption]],
    ['add a label to a shell', update(shell(), shell({ filled: 'one', labels: { [OWNER_LABEL]: 'web', extra: 'x' } })), [S.fill]],
    ['remove a label from a shell', update(shell(), shell({ filled: 'one', labels: { [OWNER_LABEL]: 'web' } })), [S.fill]],
    ['change another annotation of a shell', update(shell(), shell({ filled: 'one', annotations: { ...shellAnnotations, note: 'x' } })), [S.fill]],
    ['drop another annotation of a shell', update(shell(), shell({ filled: 'one', annotations: { [REFRESHER_ANNOTATION]: 'true' } })), [S.fill]],
    ['give a shell an owner reference', update(shell(), shell({ filled: 'one', ownerReferences: [impsOwnerRef()] })), [S.fill]],
    ['unmark a shell', update(shell(), shell({ filled: 'one', annotations: { 'imps-krm.io/image-pull-secret': 'web' } })), [S.shells, S.fill]],
    ['turn its target into a shell', update(target(), target({ annotations: shellAnnotations })), [S.shells]],
    ['delete a shell', remove(withMeta(shell(), { ownerReferences: [impsOwnerRef()] })), [S.shells]],
    ['delete an unlabelled Secret', remove(foreignSecret()), [S.deletes]],
    ['delete the IMPS Secret it has not adopted', remove(impsSecret()), [S.deletes]],
    ['delete a labelled Secret applied by GitOps (no owner reference)', remove(withMeta(target(), { ownerReferences: undefined })), [S.deletes]],
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
