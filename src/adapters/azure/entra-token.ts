import {
  ClientAssertionCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type AccessToken,
  type TokenCredential,
} from '@azure/identity';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';
import {
  SERVICE_ACCOUNT_TOKEN_AUDIENCE,
  WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION,
  WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION,
} from '../../core/acr-pull-binding.js';
import { azureCloudEndpoints, type AirgappedCloudSettings } from '../../core/azure-clouds.js';
import type { AcrTokenRequest, AzureIdentity } from '../../core/tokens.js';
import type { ServiceAccountTokens } from '../../ports/service-account-tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { ambientIdentities } from '../ambient-identities.js';
import { retryNote, withRetries } from '../retry-policy.js';
import { describeAzureError, transienceOfExchange, type Exchange } from './azure-errors.js';

const ENTRA_TIMEOUT_MS = 20_000;

/**
 * The SDK's own HTTP client, watched: each response's status and Retry-After, or the socket error, for the retry
 * policy. (The SDK's pipeline, with the operator's proxy settings, still runs in front of it.)
 */
function observingHttpClient(observe: (exchange: Exchange) => void): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    async sendRequest(request) {
      try {
        const response = await inner.sendRequest(request);
        observe({ status: response.status, retryAfter: response.headers.get('retry-after') ?? undefined });
        return response;
      } catch (error) {
        observe({ error });
        throw error;
      }
    },
  };
}

/** The operator's settings that select the process's Azure identity, part of its cache key. */
const IDENTITY_SETTINGS = [
  'AZURE_CLIENT_ID',
  'AZURE_TENANT_ID',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_AUTHORITY_HOST',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IMDS_ENDPOINT',
  'MSI_ENDPOINT',
  'HTTPS_PROXY',
  'NO_PROXY',
];

/**
 * An Entra ID access token for the identity the source names. Explicit credentials only: DefaultAzureCredential
 * would hide a failing identity behind the next one in its chain. Instance discovery is off because MSAL sends it
 * to login.microsoftonline.com whatever the authority host is, which breaks sovereign and air-gapped clouds.
 * The process's own identities (managed, workload) are fetched once per scope and shared by every registry until
 * they near expiry (ambient-identities.ts); a service principal's token comes with its Secret and is not kept.
 */
export async function fetchEntraToken(
  request: AcrTokenRequest,
  airgapped: AirgappedCloudSettings,
  serviceAccounts?: ServiceAccountTokens,
  remember: (secret: string) => void = () => undefined,
): Promise<string> {
  const endpoints = azureCloudEndpoints(request.cloud, airgapped);
  if ('error' in endpoints) throw new TokenError(endpoints.error);
  const identity = request.identity;
  const what = `Entra ID token (${identity.kind})`;
  const makeCredential =
    identity.kind === 'ServiceAccountToken'
      ? await serviceAccountCredential(identity, endpoints.authorityHost, serviceAccounts, remember)
      : (httpClient: HttpClient) => credentialFor(request, endpoints.authorityHost, httpClient);
  const fetch = async (): Promise<AccessToken> => {
    // What the SDK's HTTP client last saw: MSAL's errors drop the Retry-After header and the socket's error code.
    let last: Exchange | undefined;
    const observe = (exchange: Exchange): void => {
      last = exchange;
    };
    try {
      const token = await withRetries(
        () => {
          last = undefined;
          // A new credential per attempt: MSAL would otherwise answer a retry from its own throttling cache (60 s
          // after any 429 or 5xx) without asking Entra ID again.
          const credential = makeCredential(observingHttpClient(observe));
          return credential.getToken(endpoints.tokenScope, { abortSignal: AbortSignal.timeout(ENTRA_TIMEOUT_MS) });
        },
        () => transienceOfExchange(last),
      );
      if (!token?.token) throw new TokenError(`${what}: Entra ID returned no token`);
      return token;
    } catch (error) {
      throw error instanceof TokenError ? error : new TokenError(`${what}: ${describeAzureError(error)}${retryNote(error)}`);
    }
  };
  // A service principal's and a binding's ServiceAccount's tokens are theirs alone: not shared, not kept.
  if (identity.kind === 'ServicePrincipal' || identity.kind === 'ServiceAccountToken') return (await fetch()).token;
  const key = [
    'azure',
    identity.kind,
    identity.clientId ?? null,
    identity.kind === 'ManagedIdentity' ? (identity.resourceId ?? null) : (identity.tenantId ?? null),
    endpoints.tokenScope,
    endpoints.authorityHost ?? null,
    ...IDENTITY_SETTINGS.map((name) => process.env[name] ?? null),
  ];
  return ambientIdentities.get(key, async () => {
    const token = await fetch();
    return { value: token.token, expiresAt: new Date(token.expiresOnTimestamp) };
  });
}

/**
 * `authorityHost` undefined: the SDK's default, which honours AZURE_AUTHORITY_HOST. The workload identity token file
 * is never passed: the SDK reads the operator's AZURE_FEDERATED_TOKEN_FILE.
 */
function credentialFor(request: AcrTokenRequest, authorityHost: string | undefined, httpClient: HttpClient): TokenCredential {
  const identity = request.identity;
  const authority = authorityHost ? { authorityHost } : {};
  // One attempt per SDK call (its pipeline, and its IMDS policy: 5 retries from 800 ms): retries are retry-policy.ts's.
  const NO_SDK_RETRIES = { retryOptions: { maxRetries: 0 }, httpClient };
  switch (identity.kind) {
    case 'ManagedIdentity':
      // IMDS has no authority host; sovereign clouds differ only in the token scope.
      if (identity.resourceId) return new ManagedIdentityCredential({ resourceId: identity.resourceId, ...NO_SDK_RETRIES });
      return new ManagedIdentityCredential({ ...(identity.clientId ? { clientId: identity.clientId } : {}), ...NO_SDK_RETRIES });
    case 'WorkloadIdentity':
      // The SDK's own message for this spans two lines and names DefaultAzureCredential, which imps-krm never uses.
      if (!process.env['AZURE_FEDERATED_TOKEN_FILE']) {
        throw new TokenError(
          'workload identity: AZURE_FEDERATED_TOKEN_FILE is not set in the environment of imps-krm (the Azure Workload Identity webhook sets it in Pods whose ServiceAccount is labelled azure.workload.identity/use: "true")',
        );
      }
      return new WorkloadIdentityCredential({
        ...authority,
        ...NO_SDK_RETRIES,
        disableInstanceDiscovery: true,
        ...(identity.clientId ? { clientId: identity.clientId } : {}),
        ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
      });
    case 'ServicePrincipal':
      return new ClientSecretCredential(identity.tenantId, identity.clientId, identity.clientSecret, {
        ...authority,
        ...NO_SDK_RETRIES,
        disableInstanceDiscovery: true,
      });
    case 'ServiceAccountToken':
      throw new TokenError('internal: a ServiceAccount token credential is made by serviceAccountCredential');
  }
}

/**
 * An AcrPullBinding's workload identity (msi-acrpull acrpullbinding_v1beta2_controller.go, read, not copied): client
 * and tenant from the binding, else from the ServiceAccount's azure.workload.identity annotations; the assertion is a
 * token of that ServiceAccount for api://AzureCRTokenExchange, requested from the API server. The namespace pulls as
 * itself: the controller's own identity is never used. Without an API server (render faces) it is refused before
 * anything is asked.
 */
async function serviceAccountCredential(
  identity: Extract<AzureIdentity, { kind: 'ServiceAccountToken' }>,
  authorityHost: string | undefined,
  serviceAccounts: ServiceAccountTokens | undefined,
  remember: (secret: string) => void,
): Promise<(httpClient: HttpClient) => TokenCredential> {
  if (!serviceAccounts) {
    throw new TokenError(
      'workload identity: only the controller can request the ServiceAccount\'s token; render this binding with output shells for the controller to fill, or use a managed identity',
    );
  }
  const { namespace, serviceAccount } = identity;
  let clientId = identity.clientId;
  let tenantId = identity.tenantId;
  if (clientId === undefined || tenantId === undefined) {
    const annotations = await serviceAccounts.annotations(namespace, serviceAccount);
    if (!annotations) throw new TokenError(`service account "${serviceAccount}" not found in namespace ${namespace}`);
    clientId = annotations[WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION];
    tenantId = annotations[WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION];
    const missing = [...(clientId ? [] : [WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION]), ...(tenantId ? [] : [WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION])];
    if (missing.length > 0 || !clientId || !tenantId) throw new TokenError(`service account ${namespace}/${serviceAccount} missing ${missing.join(' and ')} annotation`);
  }
  const assertion = await serviceAccounts.token(namespace, serviceAccount, SERVICE_ACCOUNT_TOKEN_AUDIENCE);
  remember(assertion);
  const [tenant, client] = [tenantId, clientId];
  return (httpClient) =>
    new ClientAssertionCredential(tenant, client, async () => assertion, {
      ...(authorityHost ? { authorityHost } : {}),
      retryOptions: { maxRetries: 0 },
      httpClient,
      disableInstanceDiscovery: true,
    });
}
