// What AcrPullBindings add to the controller's writes, judged by the shipped policies with a CEL library: a binding's
// Secrets under deploy/controller's Secret policy, ServiceAccount tokens and the bindings themselves under
// deploy/acrpull's. Allowed and forbidden requests, each with the message a denial gives.
import { describe, expect, it } from 'vitest';
import { EXPIRES_AT_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL } from '../../src/core/contract.js';
import { CONTROLLER, create, foreignSecret, remove, target, update, withMeta } from './attempts.js';
import { loadPolicies, type Attempt } from './cel-policy.js';

const controller = loadPolicies('deploy/controller/admission-policy.yaml');
const acrpull = loadPolicies('deploy/acrpull/admission-policy.yaml');
const secrets = controller.get('imps-krm-controller-secrets')!;
const tokens = acrpull.get('imps-krm-controller-service-account-tokens')!;
const bindings = acrpull.get('imps-krm-controller-acr-pull-bindings')!;

function judge(policy: typeof secrets, attempt: Attempt): readonly string[] | 'not judged' {
  const verdict = policy.evaluate(attempt);
  expect(verdict.errors).toEqual([]);
  return verdict.applies ? verdict.denied : 'not judged';
}

const S = {
  adoption:
    "imps-krm-controller takes over an unlabelled Secret only when it is the IMPS controller's Secret of the same ImagePullSecret, msi-acrpull's Secret of an AcrPullBinding (owner references kept) or is marked by Argo CD, Helm or Flux, and never one owned by another kind of object",
  keepMeta: "imps-krm-controller never removes a label or an annotation of a Secret, but imps-krm.io/expires-at, IMPS's banzaicloud.com/last-applied and msi-acrpull's acr.microsoft.com/token.* of a binding's Secret",
  ownerRef: 'imps-krm-controller creates and replaces only Secrets owned by an ImagePullSecret or an AcrPullBinding (owner reference)',
  keepOwners: 'imps-krm-controller never removes an owner reference to anything but an ImagePullSecret',
};
const T = {
  audience: 'imps-krm-controller requests ServiceAccount tokens only for the audience api://AzureCRTokenExchange',
  lifetime: 'imps-krm-controller requests ServiceAccount tokens that live at most an hour',
  bound: 'imps-krm-controller requests ServiceAccount tokens bound to no object',
};
const B = {
  operation: 'imps-krm-controller never creates or deletes an AcrPullBinding',
  fields: 'imps-krm-controller changes nothing in an AcrPullBinding but its finalizers',
  finalizers: "imps-krm-controller only removes msi-acrpull's finalizer msi-acrpull.microsoft.com from an AcrPullBinding",
};

const bindingRef = (uid = 'uid-binding', apiVersion = 'acrpull.microsoft.com/v1beta2'): Record<string, unknown> => ({ apiVersion, kind: 'AcrPullBinding', name: 'pull', uid, controller: true, blockOwnerDeletion: true });
const TOKEN_RECORDS = { 'acr.microsoft.com/token.expiry': '2026-11-22T00:30:00Z', 'acr.microsoft.com/token.refresh': '2026-11-21T23:15:00Z', 'acr.microsoft.com/token.inputs': 'abc' };
const bindingLabels = { 'acr.microsoft.com/binding': 'pull' };
const ours = { ...bindingLabels, [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: 'acrpullbinding_v1beta2_app_pull' };
/** msi-acrpull's Secret (newPullSecret): its label, its token records, the controller reference to the binding. */
const msiSecret = (refs = [bindingRef()]): Record<string, unknown> => foreignSecret('kubernetes.io/dockerconfigjson', bindingLabels, TOKEN_RECORDS, refs);
const ourBindingSecret = (refs = [bindingRef()]): Record<string, unknown> => target({ labels: ours, annotations: { [EXPIRES_AT_ANNOTATION]: 'x' }, ownerReferences: refs });

describe("a binding's Secrets (deploy/controller/admission-policy.yaml)", () => {
  const allowed: [string, Attempt][] = [
    ['create the Secret of a binding (owner reference to the AcrPullBinding, msi-acrpull style)', create(withMeta(ourBindingSecret(), { uid: undefined, resourceVersion: undefined }))],
    ['create it for a v1beta1 binding', create(withMeta(ourBindingSecret([bindingRef('u', 'msi-acrpull.microsoft.com/v1beta1')]), { uid: undefined, resourceVersion: undefined }))],
    ["adopt msi-acrpull's Secret: our labels added, its token records dropped, its owner reference unchanged", update(msiSecret(), ourBindingSecret())],
    ['renew the adopted Secret', update(ourBindingSecret(), ourBindingSecret())],
    ['delete a Secret it created for a binding', remove(ourBindingSecret())],
  ];
  it.each(allowed)('allows: %s', (_name, attempt) => {
    expect(judge(secrets, attempt)).toEqual([]);
  });

  const forbidden: [string, Attempt, string[]][] = [
    ["adopt msi-acrpull's Secret replacing its owner reference", update(msiSecret(), ourBindingSecret([bindingRef('uid-other')])), [S.adoption, S.keepOwners]],
    ["adopt a Secret owned by a binding and by something else", update(msiSecret([bindingRef(), { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u' }]), ourBindingSecret([bindingRef(), { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u' }])), [S.adoption]],
    ["adopt a Secret whose AcrPullBinding reference is not the controller reference", update(msiSecret([{ ...bindingRef(), controller: false }]), ourBindingSecret([{ ...bindingRef(), controller: false }])), [S.adoption]],
    ['create a Secret owned by an AcrPullBinding of another group', create(withMeta(ourBindingSecret([bindingRef('u', 'example.com/v1')]), { uid: undefined, resourceVersion: undefined })), [S.ownerRef]],
    ["drop msi-acrpull's token records from a Secret no binding owns", update(foreignSecret('kubernetes.io/dockerconfigjson', { ...ours }, TOKEN_RECORDS, [{ apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'web', uid: 'uid-web', controller: true }]), target({ labels: ours })), [S.keepMeta]],
  ];
  it.each(forbidden)('denies: %s', (_name, attempt, messages) => {
    expect(judge(secrets, attempt)).toEqual(messages);
  });
});

function tokenRequest(spec: Record<string, unknown>, username = CONTROLLER): Attempt {
  return {
    operation: 'CREATE',
    username,
    resource: { group: '', version: 'v1', resource: 'serviceaccounts' },
    subResource: 'token',
    kind: 'TokenRequest',
    namespace: 'team',
    name: 'puller',
    object: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'puller', namespace: 'team' }, spec },
    oldObject: null,
  };
}

describe('ServiceAccount tokens (deploy/acrpull/admission-policy.yaml)', () => {
  it('allows: one audience, api://AzureCRTokenExchange, 10 minutes, bound to nothing (what the controller requests)', () => {
    expect(judge(tokens, tokenRequest({ audiences: ['api://AzureCRTokenExchange'], expirationSeconds: 600 }))).toEqual([]);
  });
  const forbidden: [string, Record<string, unknown>, string[]][] = [
    ["the API server's own audience (a token the cluster accepts)", { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 600 }, [T.audience]],
    ['a second audience beside the right one', { audiences: ['api://AzureCRTokenExchange', 'sts.amazonaws.com'], expirationSeconds: 600 }, [T.audience]],
    ['no audience (the API server would default its own)', { expirationSeconds: 600 }, [T.audience]],
    ['a day-long token', { audiences: ['api://AzureCRTokenExchange'], expirationSeconds: 86400 }, [T.lifetime]],
    ['a token bound to a Pod', { audiences: ['api://AzureCRTokenExchange'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }, [T.bound]],
  ];
  it.each(forbidden)('denies: %s', (_name, spec, messages) => {
    expect(judge(tokens, tokenRequest(spec))).toEqual(messages);
  });
  it('judges only the controller ServiceAccount', () => {
    expect(judge(tokens, tokenRequest({ audiences: ['x'] }, 'system:serviceaccount:team:app'))).toBe('not judged');
  });
});

function bindingWrite(operation: Attempt['operation'], object: Record<string, unknown> | null, oldObject: Record<string, unknown> | null): Attempt {
  return { operation, username: CONTROLLER, resource: { group: 'acrpull.microsoft.com', version: 'v1beta2', resource: 'acrpullbindings' }, kind: 'AcrPullBinding', namespace: 'app', name: 'pull', object, oldObject };
}
const binding = (meta: Record<string, unknown> = {}, spec: Record<string, unknown> = { serviceAccountName: 'default' }): Record<string, unknown> => ({
  apiVersion: 'acrpull.microsoft.com/v1beta2',
  kind: 'AcrPullBinding',
  metadata: { name: 'pull', namespace: 'app', uid: 'uid-binding', deletionTimestamp: '2026-11-22T00:00:00Z', ...meta },
  spec,
});

describe('AcrPullBindings (deploy/acrpull/admission-policy.yaml)', () => {
  it("allows: removing msi-acrpull's finalizer, others kept", () => {
    expect(judge(bindings, bindingWrite('UPDATE', binding({ finalizers: ['example.com/x'] }), binding({ finalizers: ['example.com/x', 'msi-acrpull.microsoft.com'] })))).toEqual([]);
    expect(judge(bindings, bindingWrite('UPDATE', binding(), binding({ finalizers: ['msi-acrpull.microsoft.com'] })))).toEqual([]);
  });
  const forbidden: [string, Attempt, string[]][] = [
    ['removing another finalizer', bindingWrite('UPDATE', binding({ finalizers: [] }), binding({ finalizers: ['example.com/x'] })), [B.finalizers]],
    ['adding a finalizer', bindingWrite('UPDATE', binding({ finalizers: ['imps-krm.io/x'] }), binding()), [B.finalizers]],
    ['changing the spec', bindingWrite('UPDATE', binding({}, { serviceAccountName: 'other' }), binding()), [B.fields]],
    ['changing a label', bindingWrite('UPDATE', binding({ labels: { shard: 'b' } }), binding({ labels: { shard: 'a' } })), [B.fields]],
    ['creating one', bindingWrite('CREATE', binding(), null), [B.operation]],
    ['deleting one', bindingWrite('DELETE', null, binding()), [B.operation]],
  ];
  it.each(forbidden)('denies: %s', (_name, attempt, messages) => {
    expect(judge(bindings, attempt)).toEqual(messages);
  });
});
