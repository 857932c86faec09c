import type { AzureEnvironment } from './azure-clouds.js';

/** Static AWS keys read from a source Secret. */
export interface AwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

/** A private ECR token: one serves every registry the principal can read in that region. */
export interface EcrTokenRequest {
  readonly provider: 'ecr';
  readonly region: string;
  /** Absent: the process's default AWS credential chain (environment, web identity, Pod Identity, profile). */
  readonly keys?: AwsKeys | undefined;
  readonly roleArn?: string | undefined;
}

/** An ECR Public token (`public.ecr.aws`). Its API lives in us-east-1 only, so there is no region to choose. */
export interface EcrPublicTokenRequest {
  readonly provider: 'ecr-public';
  readonly keys?: AwsKeys | undefined;
  readonly roleArn?: string | undefined;
}

/** Which Entra ID identity asks for the token that ACR exchanges. */
export type AzureIdentity =
  /** Neither id: the system-assigned identity. */
  | { readonly kind: 'ManagedIdentity'; readonly clientId?: string | undefined; readonly resourceId?: string | undefined }
  /**
   * Unset ids come from the webhook-injected AZURE_CLIENT_ID, AZURE_TENANT_ID. The token file is always the
   * operator's AZURE_FEDERATED_TOKEN_FILE: a path from a source would let it send any file to Entra ID.
   */
  | { readonly kind: 'WorkloadIdentity'; readonly clientId?: string | undefined; readonly tenantId?: string | undefined }
  | { readonly kind: 'ServicePrincipal'; readonly clientId: string; readonly tenantId: string; readonly clientSecret: string }
  /**
   * An AcrPullBinding's workload identity (msi-acrpull v1beta2): the token of a ServiceAccount of the binding's own
   * namespace (a TokenRequest with audience SERVICE_ACCOUNT_TOKEN_AUDIENCE), so each namespace pulls as itself, not as
   * the controller. Unset ids come from that ServiceAccount's azure.workload.identity/* annotations. Only the
   * controller can mint it: it needs the API server; a render face refuses it.
   */
  | {
      readonly kind: 'ServiceAccountToken';
      readonly namespace: string;
      readonly serviceAccount: string;
      readonly clientId?: string | undefined;
      readonly tenantId?: string | undefined;
    };

/** An ACR login minted from an Entra ID token (what msi-acrpull does). The token is valid for one registry only. */
export interface AcrTokenRequest {
  readonly provider: 'acr';
  /** Host of the registry (`myreg.azurecr.io`), or an `http://127.0.0.1:PORT` test address (see docs/registries.md). */
  readonly registry: string;
  /** Space-separated `repository:<repo>:pull` scopes: absent, the ACR refresh token itself is the password. */
  readonly scope?: string | undefined;
  readonly identity: AzureIdentity;
  /**
   * Which cloud: picks the Entra authority and the token's audience from the built-in table, or, air-gapped, from
   * the operator's settings (`azureCloudEndpoints`). Never a host: a spec cannot choose where a token goes.
   */
  readonly cloud: AzureEnvironment;
}

/** A Google OAuth access token for Artifact Registry / Container Registry: one serves every Google registry. */
export interface GarTokenRequest {
  readonly provider: 'gar';
  /** A service-account key (JSON). Absent: Application Default Credentials (workload identity, metadata server). */
  readonly serviceAccountKey?: string | undefined;
}

export type TokenRequest = EcrTokenRequest | EcrPublicTokenRequest | AcrTokenRequest | GarTokenRequest;

/** A registry login minted by a cloud, valid until `expiresAt`. */
export interface RegistryToken {
  readonly username: string;
  readonly password: string;
  readonly expiresAt?: Date | undefined;
}

/**
 * Everything that changes the token, so equal keys can share one token call. Kept in memory only: it holds
 * credentials. (IMPS keyed its cache without the role ARN, so two roles on the same keys shared a token.)
 * Each field is tagged with its name so two providers' fields can never line up by accident.
 */
export function tokenRequestKey(request: TokenRequest): string {
  switch (request.provider) {
    case 'ecr':
      return JSON.stringify([request.provider, request.region, ...awsParts(request.keys, request.roleArn)]);
    case 'ecr-public':
      return JSON.stringify([request.provider, ...awsParts(request.keys, request.roleArn)]);
    case 'acr': {
      const identity = request.identity;
      return JSON.stringify([
        request.provider,
        request.registry,
        request.scope ?? null,
        request.cloud,
        identity.kind,
        identity.clientId ?? null,
        identity.kind === 'ManagedIdentity' ? (identity.resourceId ?? null) : null,
        identity.kind === 'ManagedIdentity' ? null : (identity.tenantId ?? null),
        identity.kind === 'ServicePrincipal' ? identity.clientSecret : null,
        ...(identity.kind === 'ServiceAccountToken' ? [identity.namespace, identity.serviceAccount] : []),
      ]);
    }
    case 'gar':
      return JSON.stringify([request.provider, request.serviceAccountKey ?? null]);
  }
}

/** Every secret value a request carries, for a redactor. */
export function tokenRequestSecrets(request: TokenRequest): string[] {
  switch (request.provider) {
    case 'ecr':
    case 'ecr-public':
      return [request.keys?.secretAccessKey, request.keys?.sessionToken].filter((v): v is string => v !== undefined);
    case 'acr':
      return request.identity.kind === 'ServicePrincipal' ? [request.identity.clientSecret] : [];
    case 'gar':
      return request.serviceAccountKey === undefined ? [] : [request.serviceAccountKey];
  }
}

/**
 * What identity a request mints with, when it is the process's own (IRSA, EKS Pod Identity, instance roles, Azure
 * managed or workload identity, GKE metadata server): no key of the source is involved, so whoever can write the
 * request borrows the renderer's identity. A role assumed without keys is assumed BY the process's identity.
 * Undefined when the source brings its own credential.
 */
export function ambientIdentityOf(request: TokenRequest): string | undefined {
  switch (request.provider) {
    case 'ecr':
    case 'ecr-public':
      if (request.keys !== undefined) return undefined;
      return `the process's AWS identity${request.roleArn === undefined ? '' : ' (to assume roleArn)'}`;
    case 'acr':
      // A ServiceAccount's token is that namespace's identity, not the process's (and only the controller mints it).
      if (request.identity.kind === 'ServicePrincipal' || request.identity.kind === 'ServiceAccountToken') return undefined;
      return `the process's Azure ${request.identity.kind === 'ManagedIdentity' ? 'managed' : 'workload'} identity`;
    case 'gar':
      return request.serviceAccountKey === undefined ? "the process's Google application default credentials" : undefined;
  }
}

function awsParts(keys: AwsKeys | undefined, roleArn: string | undefined): Array<string | null> {
  return [keys?.accessKeyId ?? null, keys?.secretAccessKey ?? null, keys?.sessionToken ?? null, roleArn ?? null];
}

/**
 * Registry host of a private ECR registry, by partition: China under amazonaws.com.cn, the ISO partitions under
 * their own domains; GovCloud (us-gov-*) keeps amazonaws.com.
 */
export function ecrRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.${awsDnsSuffix(region)}`;
}

export function awsDnsSuffix(region: string): string {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  return 'amazonaws.com';
}

export const ECR_PUBLIC_REGISTRY = 'public.ecr.aws';
/** ECR Public's GetAuthorizationToken answers only here. */
export const ECR_PUBLIC_REGION = 'us-east-1';
export const ACR_USERNAME = '00000000-0000-0000-0000-000000000000';
export const GOOGLE_USERNAME = 'oauth2accesstoken';
