// The planner (src/core/secret-plan.ts) for an AcrPullBinding's translation: the same table style as
// secret-plan.test.ts, with the binding as owner. What differs from an ImagePullSecret: the owner reference is
// msi-acrpull's (AcrPullBinding, controller, blockOwnerDeletion), msi-acrpull's own Secret of the binding is adopted
// in place (its owner reference unchanged, its token records dropped), and its ServiceAccount entry is taken over.
import { describe, expect, it } from 'vitest';
import { EXPIRES_AT_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, OWNER_LABEL } from '../../src/core/contract.js';
import type { OwnerReferenceFacts, SecretFacts } from '../../src/core/facts.js';
import { planSecrets, type PlanOwner, type SecretPlanInput } from '../../src/core/secret-plan.js';
import { CURRENT, EXPIRY, input, recordOf, MARK, secret, serviceAccount, summary } from './plan-builders.js';

const KEY = 'acrpullbinding_v1beta2_app_pull';
const BINDING: PlanOwner = { apiVersion: 'acrpull.microsoft.com/v1beta2', name: KEY, uid: 'uid-pull', binding: { name: 'pull' } };
const bindingRef = (uid = BINDING.uid, controller = true, apiVersion = BINDING.apiVersion): OwnerReferenceFacts => ({ apiVersion, kind: 'AcrPullBinding', name: 'pull', uid, controller });
const OURS = { 'acr.microsoft.com/binding': 'pull', [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: KEY };

/** msi-acrpull's Secret of the binding: its label (absent before v0.1.4), its token records, its controller reference. */
function msiSecret(overrides: Partial<SecretFacts> = {}): SecretFacts {
  return secret('app', {
    name: 'acr-pull-pull',
    labels: { 'acr.microsoft.com/binding': 'pull' },
    annotations: { 'acr.microsoft.com/token.expiry': 'x', 'acr.microsoft.com/token.refresh': 'y', 'acr.microsoft.com/token.inputs': 'z' },
    ownerReferences: [bindingRef()],
    dataHash: 'hash-msi',
    ...overrides,
  });
}

/** The binding's render: its Secret in its namespace, its ServiceAccount `default`. */
function bindingInput(state: Partial<SecretPlanInput> = {}): SecretPlanInput {
  const base = input(['app'], { owner: BINDING, target: 'acr-pull-pull', serviceAccounts: ['default'] });
  return {
    ...base,
    desired: base.desired.map(({ manifest }) => ({ manifest: { ...manifest, metadata: { ...manifest.metadata, name: 'acr-pull-pull', labels: OURS } }, dataHash: CURRENT })),
    ...state,
  };
}

const rows: Array<{ name: string; input: SecretPlanInput; expected: string[] }> = [
  { name: 'nothing there: created', input: bindingInput(), expected: ['create app/acr-pull-pull'] },
  { name: "msi-acrpull's Secret: adopted", input: bindingInput({ secrets: [msiSecret()] }), expected: ['adopt app/acr-pull-pull from msi-acrpull'] },
  { name: "msi-acrpull's unlabelled Secret (before v0.1.4): adopted", input: bindingInput({ secrets: [msiSecret({ labels: {} })] }), expected: ['adopt app/acr-pull-pull from msi-acrpull'] },
  { name: 'ours, current: nothing', input: bindingInput({ secrets: [secret('app', { name: 'acr-pull-pull', labels: OURS, ownerReferences: [bindingRef()] })] }), expected: [] },
  { name: "another binding's Secret (another uid)", input: bindingInput({ secrets: [msiSecret({ ownerReferences: [bindingRef('uid-other')] })] }), expected: ['refuse app/acr-pull-pull: other-imagepullsecret'] },
  { name: 'a binding reference that is not the controller one: not msi-acrpull\'s', input: bindingInput({ secrets: [msiSecret({ ownerReferences: [bindingRef(BINDING.uid, false)] })] }), expected: ['refuse app/acr-pull-pull: not-managed'] },
  { name: "an ImagePullSecret's Secret at the name", input: bindingInput({ secrets: [msiSecret({ ownerReferences: [{ apiVersion: 'images.banzaicloud.io/v1alpha1', kind: 'ImagePullSecret', name: 'web', uid: 'uid-web', controller: true }] })] }), expected: ['refuse app/acr-pull-pull: other-owner'] },
  { name: 'a plain Secret at the name', input: bindingInput({ secrets: [msiSecret({ labels: {}, annotations: {}, ownerReferences: [] })] }), expected: ['refuse app/acr-pull-pull: not-managed'] },
  {
    name: "the ServiceAccount entry msi-acrpull added: recorded as ours, not added twice",
    input: bindingInput({ secrets: [msiSecret()], serviceAccountFacts: [serviceAccount('app', ['other', 'acr-pull-pull'])] }),
    expected: ['adopt app/acr-pull-pull from msi-acrpull', 'patch-service-account app/default'],
  },
];

describe('planSecrets for an AcrPullBinding', () => {
  it.each(rows)('$name', ({ input: state, expected }) => {
    expect(summary(planSecrets(state))).toEqual(expected);
  });

  it("creates with msi-acrpull's owner reference (AcrPullBinding, controller, blockOwnerDeletion)", () => {
    const [create] = planSecrets(bindingInput()).actions;
    expect(create?.kind === 'create' && create.object.metadata.ownerReferences).toEqual([
      { apiVersion: 'acrpull.microsoft.com/v1beta2', kind: 'AcrPullBinding', name: 'pull', uid: 'uid-pull', controller: true, blockOwnerDeletion: true },
    ]);
  });

  it('adopts keeping the owner reference, dropping the token records, adding our labels', () => {
    const [adopt] = planSecrets(bindingInput({ secrets: [msiSecret()] })).actions;
    expect(adopt?.kind === 'adopt' && adopt.patch).toEqual({
      metadata: {
        resourceVersion: '7',
        labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [OWNER_LABEL]: KEY },
        annotations: { [EXPIRES_AT_ANNOTATION]: EXPIRY, 'acr.microsoft.com/token.expiry': null, 'acr.microsoft.com/token.refresh': null, 'acr.microsoft.com/token.inputs': null },
      },
      data: { '.dockerconfigjson': 'eyJhdXRocyI6e319' },
    });
  });

  it('takes over the entry by recording it, the list unchanged; a later removal is then allowed', () => {
    const accounts = planSecrets(bindingInput({ secrets: [msiSecret()], serviceAccountFacts: [serviceAccount('app', ['other', 'acr-pull-pull'])] })).actions.filter((action) => action.kind === 'patch-service-account');
    expect(accounts.map((action) => action.kind === 'patch-service-account' && action.patch)).toEqual([
      { metadata: { resourceVersion: '3', labels: MARK, annotations: recordOf(`${KEY}/acr-pull-pull`) } },
    ]);
  });
});
