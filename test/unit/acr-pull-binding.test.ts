// core/acr-pull-binding.ts: msi-acrpull's AcrPullBinding translated, pure. Names as msi-acrpull computes them
// (internal/controller: legacySecretName, pullSecretName), defaults and identities as its controllers resolve them,
// and what imps-krm refuses that msi-acrpull took (a cloudConfig naming hosts the operator did not set).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bindingImagePullSecret,
  bindingOwnerName,
  cleanPath,
  legacySecretName,
  pullSecretName,
  translateBinding,
  type AcrPullBinding,
  type BindingTarget,
} from '../../src/core/acr-pull-binding.js';
import { ownerLabelValue } from '../../src/core/contract.js';

const CLIENT = '1b461305-28be-5271-beda-bd9fd2e24251';
const RID = '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/puller';

const v1 = (spec: Record<string, unknown>, name = 'pull'): AcrPullBinding => ({ apiVersion: 'msi-acrpull.microsoft.com/v1beta1', kind: 'AcrPullBinding', metadata: { name }, spec }) as AcrPullBinding;
const v2 = (spec: Record<string, unknown>, name = 'pull'): AcrPullBinding => ({ apiVersion: 'acrpull.microsoft.com/v1beta2', kind: 'AcrPullBinding', metadata: { name }, spec }) as unknown as AcrPullBinding;
const v2spec = (acr: Record<string, unknown>, auth: Record<string, unknown>, serviceAccountName = 'default'): Record<string, unknown> => ({ acr: { server: 'reg.azurecr.io', scope: 'repository:a:pull', ...acr }, auth, serviceAccountName });

function ok(result: ReturnType<typeof translateBinding>): BindingTarget {
  if ('errors' in result) throw new Error(JSON.stringify(result.errors));
  return result.target;
}
const errors = (result: ReturnType<typeof translateBinding>): unknown => ('errors' in result ? result.errors : 'translated');

describe("msi-acrpull's Secret names", () => {
  it('v1beta1: <binding>-msi-acrpull-secret, never cut', () => {
    expect(legacySecretName('acrpulltest')).toBe('acrpulltest-msi-acrpull-secret');
    expect(legacySecretName('x'.repeat(240))).toHaveLength(259);
  });

  it('v1beta2: acr-pull-<binding> up to 233 characters, then cut, one trailing dot dropped, and base36(sha224) first 10', () => {
    expect(pullSecretName('pull-app')).toBe('acr-pull-pull-app');
    expect(pullSecretName('a'.repeat(233))).toBe(`acr-pull-${'a'.repeat(233)}`);
    const go = (name: string): string => BigInt(`0x${createHash('sha224').update(name).digest('hex')}`).toString(36).slice(0, 10);
    const long = `${'b'.repeat(232)}.c${'d'.repeat(10)}`;
    const cut = pullSecretName(long);
    expect(cut).toBe(`acr-pull-${'b'.repeat(232)}-${go(long)}`);
    expect(cut.length).toBeLessThanOrEqual(253);
    const plain = 'e'.repeat(253);
    expect(pullSecretName(plain)).toBe(`acr-pull-${'e'.repeat(233)}-${go(plain)}`);
  });

  it("Go's path.Clean, as applied to v1beta1's resource id", () => {
    expect(cleanPath('')).toBe('.');
    expect(cleanPath('//subscriptions//s/./x/../y/')).toBe('/subscriptions/s/y');
    expect(cleanPath('a/../..')).toBe('..');
  });
});

describe('translating a binding', () => {
  it("msi-acrpull's README sample: managed identity by resource id, ServiceAccount default, the binding's own namespace", () => {
    const target = ok(translateBinding(v1({ acrServer: 'veryimportantcr.azurecr.io', managedIdentityResourceID: RID }, 'acrpulltest'), 'team'));
    expect(target).toMatchObject({
      namespace: 'team',
      ownerName: 'acrpullbinding_v1beta1_team_acrpulltest',
      secretName: 'acrpulltest-msi-acrpull-secret',
      serviceAccount: 'default',
      source: { kind: 'token', registry: 'veryimportantcr.azurecr.io', request: { provider: 'acr', registry: 'veryimportantcr.azurecr.io', scope: undefined, cloud: 'PublicCloud', identity: { kind: 'ManagedIdentity', resourceId: RID } } },
    });
    expect(bindingImagePullSecret(target).spec.target).toEqual({
      secret: { name: 'acrpulltest-msi-acrpull-secret', labels: { 'acr.microsoft.com/binding': 'acrpulltest' } },
      namespaces: { names: ['team'] },
      serviceAccounts: ['default'],
    });
  });

  it("v1beta1 defaults (specOrDefault): empty fields take the operator's; a client id, even a default one, wins over a resource id", () => {
    const defaults = { acrServer: 'Default.AzureCR.io', clientId: CLIENT };
    expect(ok(translateBinding(v1({ acrServer: '', managedIdentityResourceID: RID }), 'a', defaults)).source).toMatchObject({ registry: 'default.azurecr.io', request: { identity: { kind: 'ManagedIdentity', clientId: CLIENT } } });
    expect(ok(translateBinding(v1({ acrServer: 'r.azurecr.io' }), 'a', { resourceId: RID })).source).toMatchObject({ request: { identity: { kind: 'ManagedIdentity', resourceId: RID } } });
    expect(errors(translateBinding(v1({ acrServer: '' }), 'a'))).toEqual([
      { path: 'spec.acrServer', message: 'required: empty, and the operator has not set ACR_SERVER' },
      { path: 'spec', message: "either a client ID or a resource ID is required: managedIdentityClientID or managedIdentityResourceID, or the operator's MANAGED_IDENTITY_CLIENT_ID or MANAGED_IDENTITY_RESOURCE_ID" },
    ]);
  });

  it('v1beta2 managed identity: exactly one of clientID and resourceID; scope and environment as written', () => {
    expect(ok(translateBinding(v2(v2spec({ environment: 'USGovernmentCloud' }, { managedIdentity: { clientID: CLIENT } }), 'p'), 'x')).source).toMatchObject({
      request: { scope: 'repository:a:pull', cloud: 'USGovernmentCloud', identity: { kind: 'ManagedIdentity', clientId: CLIENT } },
    });
    expect(ok(translateBinding(v2(v2spec({}, { managedIdentity: { clientID: CLIENT } })), 'x')).secretName).toBe('acr-pull-pull');
    expect(errors(translateBinding(v2(v2spec({}, { managedIdentity: { clientID: CLIENT, resourceID: RID } })), 'x'))).toEqual([
      { path: 'spec.auth.managedIdentity', message: 'only client or resource ID can be set: give exactly one of clientID and resourceID' },
    ]);
    expect(errors(translateBinding(v2(v2spec({}, {})), 'x'))).toEqual([{ path: 'spec.auth', message: 'only one authentication type can be set: managedIdentity or workloadIdentity' }]);
  });

  it("v1beta2 workload identity: the binding's own ServiceAccount in its own namespace; client and tenant together or not at all", () => {
    const target = ok(translateBinding(v2(v2spec({}, { workloadIdentity: { serviceAccountRef: 'puller', clientID: 'c', tenantID: 't' } }, 'puller')), 'team'));
    expect(target.source).toMatchObject({ request: { identity: { kind: 'ServiceAccountToken', namespace: 'team', serviceAccount: 'puller', clientId: 'c', tenantId: 't' } } });
    expect(target.warnings).toEqual([]);
    expect(errors(translateBinding(v2(v2spec({}, { workloadIdentity: { serviceAccountRef: 'puller', clientID: 'c' } }, 'puller')), 'team'))).toEqual([
      { path: 'spec.auth.workloadIdentity', message: 'custom client and tenant identifiers must be provided together, if at all' },
    ]);
    // msi-acrpull requests the token of serviceAccountName: said, not hidden.
    expect(ok(translateBinding(v2(v2spec({}, { workloadIdentity: { serviceAccountRef: 'other' } }, 'puller')), 'team')).warnings).toEqual([
      { path: 'spec.auth.workloadIdentity.serviceAccountRef', message: 'differs from spec.serviceAccountName: the token is requested for spec.serviceAccountName, as msi-acrpull does' },
    ]);
  });

  it("cloudConfig is never an address: only for AirgappedCloud, and equal to the operator's settings", () => {
    const cloudConfig = { entraAuthorityHost: 'https://login.example.internal/', resourceManagerAudience: 'https://management.example.internal/' };
    const binding = v2(v2spec({ environment: 'AirgappedCloud', cloudConfig }, { managedIdentity: { clientID: CLIENT } }));
    const operator = { airgapped: { authorityHost: 'https://login.example.internal', audience: 'https://management.example.internal/' } };
    expect(ok(translateBinding(binding, 'x', operator)).source).toMatchObject({ request: { cloud: 'AirgappedCloud' } });
    expect(errors(translateBinding(binding, 'x', { airgapped: { authorityHost: 'https://attacker.example', audience: operator.airgapped.audience } }))).toEqual([
      { path: 'spec.acr.cloudConfig.entraAuthorityHost', message: "must equal the operator's IMPS_KRM_AZURE_AIRGAPPED_AUTHORITY_HOST: an air-gapped cloud's endpoints are operator settings, never taken from a binding" },
    ]);
    expect(errors(translateBinding(binding, 'x'))).toHaveLength(2);
    expect(errors(translateBinding(v2(v2spec({ cloudConfig }, { managedIdentity: { clientID: CLIENT } })), 'x'))).toEqual([
      { path: 'spec.acr.cloudConfig', message: 'a custom cloud configuration is only allowed for the AirgappedCloud environment' },
    ]);
  });

  it('owner names: no ImagePullSecret can have one, both versions of one name differ, and the label value stays valid', () => {
    expect(bindingOwnerName('msi-acrpull.microsoft.com/v1beta1', 'a', 'b')).not.toBe(bindingOwnerName('acrpull.microsoft.com/v1beta2', 'a', 'b'));
    const long = bindingOwnerName('acrpull.microsoft.com/v1beta2', 'n'.repeat(40), `${'m'.repeat(11)}_x`);
    const label = ownerLabelValue(long);
    expect(label.length).toBeLessThanOrEqual(63);
    expect(label).toMatch(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/);
    // A binding name too long for a label value gets no acr.microsoft.com/binding label (msi-acrpull's Secret would be refused).
    const target = ok(translateBinding(v2(v2spec({}, { managedIdentity: { clientID: CLIENT } }), 'l'.repeat(70)), 'x'));
    expect(bindingImagePullSecret(target).spec.target.secret.labels).toBeUndefined();
  });
});
