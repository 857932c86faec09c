import type { AcrPullBindingV1Beta1 } from '../generated/acr-pull-binding-v1beta1.js';
import type { AcrPullBindingV1Beta2 } from '../generated/acr-pull-binding-v1beta2.js';
import type { ImagePullSecret } from '../generated/image-pull-secret.js';
import { AIRGAPPED_AUDIENCE_ENV, AIRGAPPED_AUTHORITY_HOST_ENV, type AirgappedCloudSettings, type AzureEnvironment } from './azure-clouds.js';
import { dns1123SubdomainErrors } from './names.js';
import { base36, sha224 } from './sha224.js';
import type { SourcePlan } from './source-plan.js';
import { trimTrailing } from './text.js';
import type { AzureIdentity } from './tokens.js';

// Azure/msi-acrpull's AcrPullBinding (api/v1beta1, api/v1beta2 and internal/controller/*.go, read, not copied),
// translated into what every face and the controller already know: an ImagePullSecret-shaped target (one Secret, in
// the binding's own namespace, listed in one ServiceAccount) and one ACR token source. Pure: defaults from the
// operator's environment are passed in.

export const ACRPULL_V1BETA1 = 'msi-acrpull.microsoft.com/v1beta1';
export const ACRPULL_V1BETA2 = 'acrpull.microsoft.com/v1beta2';
export const ACRPULL_API_VERSIONS: readonly string[] = [ACRPULL_V1BETA1, ACRPULL_V1BETA2];
export const ACR_PULL_BINDING_KIND = 'AcrPullBinding';

/** msi-acrpull's label on its Secrets (ACRPullBindingLabel): the binding's name. Kept on ours, for rollback. */
export const ACR_PULL_BINDING_LABEL = 'acr.microsoft.com/binding';
/** msi-acrpull's finalizer on every binding: on deletion it removes the ServiceAccount entry, then the Secret. */
export const MSI_ACRPULL_FINALIZER = 'msi-acrpull.microsoft.com';
/** msi-acrpull's records on its Secrets (token expiry, refresh time, inputs hash); stale once the Secret is ours. */
export const MSI_ACRPULL_TOKEN_ANNOTATIONS: readonly string[] = ['acr.microsoft.com/token.expiry', 'acr.microsoft.com/token.refresh', 'acr.microsoft.com/token.inputs'];
/** The audience msi-acrpull requests ServiceAccount tokens for (its --service-account-token-audience default). */
export const SERVICE_ACCOUNT_TOKEN_AUDIENCE = 'api://AzureCRTokenExchange';
/** Azure workload identity's ServiceAccount annotations (azure-workload-identity webhook). */
export const WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';
export const WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION = 'azure.workload.identity/tenant-id';

/** The operator's environment variables msi-acrpull reads for v1beta1 defaults. */
export const ACR_SERVER_ENV = 'ACR_SERVER';
export const MANAGED_IDENTITY_CLIENT_ID_ENV = 'MANAGED_IDENTITY_CLIENT_ID';
export const MANAGED_IDENTITY_RESOURCE_ID_ENV = 'MANAGED_IDENTITY_RESOURCE_ID';

export type AcrPullBinding = AcrPullBindingV1Beta1 | AcrPullBindingV1Beta2;

/** Operator settings a binding falls back on, or must agree with: never from the binding itself. */
export interface BindingDefaults {
  readonly acrServer?: string | undefined;
  readonly clientId?: string | undefined;
  readonly resourceId?: string | undefined;
  readonly airgapped?: AirgappedCloudSettings | undefined;
}

/** A problem with one field, as a path from the binding's root; messages never quote the value. */
export interface BindingFieldError {
  readonly path: string;
  readonly message: string;
}

/** What a binding means, in the terms the pipeline, the planner and the executor use. */
export interface BindingTarget {
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace: string;
  /**
   * The name the ImagePullSecret-shaped code knows it by (owner label, ServiceAccount records, shells). It holds `_`,
   * which no ImagePullSecret name can, so the two never collide; and the version, since both CRDs may hold a binding
   * of the same name.
   */
  readonly ownerName: string;
  readonly secretName: string;
  readonly serviceAccount: string;
  /** The token to mint: ACR, for this binding's registry, scope, cloud and identity. */
  readonly source: SourcePlan;
  /** Worth saying, not wrong (msi-acrpull behaviours a reader may not expect). */
  readonly warnings: readonly BindingFieldError[];
}

export const isAcrPullBindingApiVersion = (apiVersion: unknown): boolean => typeof apiVersion === 'string' && ACRPULL_API_VERSIONS.includes(apiVersion);

const versionOf = (apiVersion: string): string => apiVersion.slice(apiVersion.indexOf('/') + 1);

/** `acrpullbinding_<version>_<namespace>_<name>`: see BindingTarget.ownerName. */
export function bindingOwnerName(apiVersion: string, namespace: string, name: string): string {
  return `acrpullbinding_${versionOf(apiVersion)}_${namespace}_${name}`;
}

/** v1beta1's Secret name (legacySecretName): no cut, as msi-acrpull (a name too long is refused by the API server). */
export const legacySecretName = (binding: string): string => `${binding}-msi-acrpull-secret`;

/** 253 (longest name) - 10 (`acr-pull-` and `-`) - 10 (hash): msi-acrpull's maxNameLength. */
const MAX_SUFFIX = 233;

/**
 * v1beta2's Secret name (pullSecretName): `acr-pull-<binding>`; a binding name longer than 233 characters is cut to
 * 233, one trailing `.` dropped, and `-` plus the first 10 characters of base36(sha224(full name)) appended.
 */
export function pullSecretName(binding: string): string {
  if (binding.length <= MAX_SUFFIX) return `acr-pull-${binding}`;
  let suffix = binding.slice(0, MAX_SUFFIX);
  if (suffix.endsWith('.')) suffix = suffix.slice(0, -1);
  return `acr-pull-${suffix}-${base36(sha224(Buffer.from(binding, 'utf8'))).slice(0, 10)}`;
}

export function bindingSecretName(binding: AcrPullBinding): string {
  return binding.apiVersion === ACRPULL_V1BETA1 ? legacySecretName(binding.metadata.name) : pullSecretName(binding.metadata.name);
}

/** Go's path.Clean, which msi-acrpull applies to v1beta1's resource id ("" becomes "."). */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
      continue;
    }
    parts.push(part);
  }
  const joined = parts.join('/');
  return rooted ? `/${joined}` : joined === '' ? '.' : joined;
}

const REGISTRY = /^(http:\/\/)?[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:[0-9]+)?$/;
const RESOURCE_ID = /^\/subscriptions\/.+/;

/** Registry hosts are case-insensitive; the token service and the docker config key take them lower-cased. */
const registryOf = (server: string): string => (server.startsWith('http://') ? server : server.toLowerCase());

/**
 * A binding's meaning, or its field errors. `namespace` is the binding's (the render faces pass `default` when the
 * manifest names none, as kubectl would with a context that names none).
 */
export function translateBinding(binding: AcrPullBinding, namespace: string, defaults: BindingDefaults = {}): { target: BindingTarget } | { errors: BindingFieldError[] } {
  const errors: BindingFieldError[] = [];
  const warnings: BindingFieldError[] = [];
  let registry: string | undefined;
  let scope: string | undefined;
  let cloud: AzureEnvironment = 'PublicCloud';
  let identity: AzureIdentity | undefined;
  let serviceAccount: string;
  if (binding.apiVersion === ACRPULL_V1BETA1) {
    const spec = binding.spec;
    // msi-acrpull's specOrDefault: each empty field takes the operator's value; a client id wins over a resource id.
    const server = spec.acrServer || defaults.acrServer || '';
    if (server === '') errors.push({ path: 'spec.acrServer', message: `required: empty, and the operator has not set ${ACR_SERVER_ENV}` });
    else if (!REGISTRY.test(server)) errors.push({ path: spec.acrServer ? 'spec.acrServer' : ACR_SERVER_ENV, message: 'must be a registry host such as myregistry.azurecr.io' });
    else registry = registryOf(server);
    const clientId = spec.managedIdentityClientID || defaults.clientId || '';
    const cleaned = cleanPath(spec.managedIdentityResourceID ?? '');
    const resourceId = cleaned !== '.' ? cleaned : defaults.resourceId ? cleanPath(defaults.resourceId) : '';
    if (clientId !== '') identity = { kind: 'ManagedIdentity', clientId };
    else if (resourceId !== '' && resourceId !== '.') {
      if (RESOURCE_ID.test(resourceId)) identity = { kind: 'ManagedIdentity', resourceId };
      else errors.push({ path: cleaned !== '.' ? 'spec.managedIdentityResourceID' : MANAGED_IDENTITY_RESOURCE_ID_ENV, message: 'must be an ARM resource id starting with /subscriptions/' });
    } else {
      errors.push({
        path: 'spec',
        message: `either a client ID or a resource ID is required: managedIdentityClientID or managedIdentityResourceID, or the operator's ${MANAGED_IDENTITY_CLIENT_ID_ENV} or ${MANAGED_IDENTITY_RESOURCE_ID_ENV}`,
      });
    }
    scope = spec.scope || undefined;
    serviceAccount = spec.serviceAccountName || 'default';
    if (dns1123SubdomainErrors(serviceAccount).length > 0) errors.push({ path: 'spec.serviceAccountName', message: 'must be a ServiceAccount name (a DNS-1123 subdomain)' });
  } else {
    const { acr, auth } = binding.spec;
    registry = registryOf(acr.server);
    scope = acr.scope;
    cloud = acr.environment ?? 'PublicCloud';
    serviceAccount = binding.spec.serviceAccountName;
    if (acr.cloudConfig) errors.push(...cloudConfigErrors(cloud, acr.cloudConfig, defaults.airgapped ?? {}));
    const methods = [auth.managedIdentity, auth.workloadIdentity].filter((method) => method !== undefined).length;
    if (methods !== 1) errors.push({ path: 'spec.auth', message: 'only one authentication type can be set: managedIdentity or workloadIdentity' });
    else if (auth.managedIdentity) {
      const { clientID, resourceID } = auth.managedIdentity;
      if ((clientID === undefined) === (resourceID === undefined)) errors.push({ path: 'spec.auth.managedIdentity', message: 'only client or resource ID can be set: give exactly one of clientID and resourceID' });
      else if (resourceID !== undefined) identity = { kind: 'ManagedIdentity', resourceId: cleanPath(resourceID) };
      else identity = { kind: 'ManagedIdentity', clientId: clientID };
    } else if (auth.workloadIdentity) {
      const { clientID, tenantID, serviceAccountRef } = auth.workloadIdentity;
      if ((clientID === undefined) !== (tenantID === undefined)) {
        errors.push({ path: 'spec.auth.workloadIdentity', message: 'custom client and tenant identifiers must be provided together, if at all' });
      } else {
        identity = { kind: 'ServiceAccountToken', namespace, serviceAccount, clientId: clientID, tenantId: tenantID };
      }
      if (serviceAccountRef !== serviceAccount) {
        warnings.push({
          path: 'spec.auth.workloadIdentity.serviceAccountRef',
          message: 'differs from spec.serviceAccountName: the token is requested for spec.serviceAccountName, as msi-acrpull does',
        });
      }
    }
  }
  if (errors.length > 0 || registry === undefined || identity === undefined) return { errors };
  const name = binding.metadata.name;
  return {
    target: {
      apiVersion: binding.apiVersion,
      name,
      namespace,
      ownerName: bindingOwnerName(binding.apiVersion, namespace, name),
      secretName: bindingSecretName(binding),
      serviceAccount,
      source: { kind: 'token', request: { provider: 'acr', registry, scope, identity, cloud }, registry },
      warnings,
    },
  };
}

/**
 * v1beta2's air-gapped endpoints in the spec are never an address: a spec that could name the Entra authority could
 * send a ServiceAccount's token anywhere (docs/security.md). They are kept so msi-acrpull manifests stay valid, and
 * must equal the operator's settings.
 */
function cloudConfigErrors(
  cloud: AzureEnvironment,
  config: { readonly entraAuthorityHost: string; readonly resourceManagerAudience: string },
  operator: AirgappedCloudSettings,
): BindingFieldError[] {
  if (cloud !== 'AirgappedCloud') return [{ path: 'spec.acr.cloudConfig', message: 'a custom cloud configuration is only allowed for the AirgappedCloud environment' }];
  const same = (a: string, b: string | undefined): boolean => b !== undefined && trimTrailing(a.trim(), '/') === trimTrailing(b.trim(), '/');
  const differs = (env: string): string => `must equal the operator's ${env}: an air-gapped cloud's endpoints are operator settings, never taken from a binding`;
  return [
    ...(same(config.entraAuthorityHost, operator.authorityHost) ? [] : [{ path: 'spec.acr.cloudConfig.entraAuthorityHost', message: differs(AIRGAPPED_AUTHORITY_HOST_ENV) }]),
    ...(same(config.resourceManagerAudience, operator.audience) ? [] : [{ path: 'spec.acr.cloudConfig.resourceManagerAudience', message: differs(AIRGAPPED_AUDIENCE_ENV) }]),
  ];
}

/**
 * The ImagePullSecret-shaped spec of a binding: its one Secret, in its namespace, listed in its ServiceAccount, with
 * msi-acrpull's label (when the binding's name is a valid label value: msi-acrpull's Secret would be refused
 * otherwise). It has no registry of its own: the binding's source is carried beside it (BindingTarget.source).
 */
export function bindingImagePullSecret(target: BindingTarget): ImagePullSecret {
  const labels = target.name.length <= 63 ? { [ACR_PULL_BINDING_LABEL]: target.name } : undefined;
  return {
    apiVersion: 'images.banzaicloud.io/v1alpha1',
    kind: 'ImagePullSecret',
    metadata: { name: target.ownerName },
    spec: {
      registry: {},
      target: {
        secret: { name: target.secretName, ...(labels ? { labels } : {}) },
        namespaces: { names: [target.namespace] },
        serviceAccounts: [target.serviceAccount],
      },
    },
  };
}

/** The binding's defaults from the operator's environment (msi-acrpull's variables, and the air-gapped cloud). */
export function bindingDefaultsFrom(env: Readonly<Record<string, string | undefined>>): BindingDefaults {
  const value = (key: string): string | undefined => env[key]?.trim() || undefined;
  return {
    acrServer: value(ACR_SERVER_ENV),
    clientId: value(MANAGED_IDENTITY_CLIENT_ID_ENV),
    resourceId: value(MANAGED_IDENTITY_RESOURCE_ID_ENV),
    airgapped: { authorityHost: value(AIRGAPPED_AUTHORITY_HOST_ENV), audience: value(AIRGAPPED_AUDIENCE_ENV) },
  };
}
