import {
  ClientAssertionCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import {
  SERVICE_ACCOUNT_TOKEN_AUDIENCE,
  WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION,
  WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION,
} from '../../core/acr-pull-binding.js';
import { azureCloudEndpoints, type AirgappedCloudSettings } from '../../core/azure-clouds.js';
import type { AcrTokenRequest, AzureIdentity } from '../../core/tokens.js';
import type { ServiceAccountTokens } from '../../ports/service-account-tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { describeAzureError } from './azure-errors.js';

const ENTRA_TIMEOUT_MS = 20_000;

/**
 * An Entra ID access token for the identity the source names. Explicit credentials only: DefaultAzureCredential
 * would hide a failing identity behind the next one in its chain. Instance discovery is off because MSAL sends it
 * to login.microsoftonline.com whatever the authority host is, which breaks sovereign and air-gapped clouds.
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
  const credential =
    identity.kind === 'ServiceAccountToken'
      ? await serviceAccountCredential(identity, endpoints.authorityHost, serviceAccounts, remember)
      : credentialFor(request, endpoints.authorityHost);
  try {
    const token = await credential.getToken(endpoints.tokenScope, { abortSignal: AbortSignal.timeout(ENTRA_TIMEOUT_MS) });
    if (!token?.token) throw new TokenError(`${request.identity.kind}: Entra ID returned no token`);
    return token.token;
  } catch (error) {
    throw error instanceof TokenError ? error : new TokenError(`Entra ID token (${request.identity.kind}): ${describeAzureError(error)}`);
  }
}

/**
 * `authorityHost` undefined: the SDK's default, which honours AZURE_AUTHORITY_HOST. The workload identity token file
 * is never passed: the SDK reads the operator's AZURE_FEDERATED_TOKEN_FILE.
 */
function credentialFor(request: AcrTokenRequest, authorityHost: string | undefined): TokenCredential {
  const identity = request.identity;
  const authority = authorityHost ? { authorityHost } : {};
  switch (identity.kind) {
    case 'ManagedIdentity':
      // IMDS has no authority host; sovereign clouds differ only in the token scope.
      if (identity.resourceId) return new ManagedIdentityCredential({ resourceId: identity.resourceId });
      return new ManagedIdentityCredential(identity.clientId ? { clientId: identity.clientId } : {});
    case 'WorkloadIdentity':
      return new WorkloadIdentityCredential({
        ...authority,
        disableInstanceDiscovery: true,
        ...(identity.clientId ? { clientId: identity.clientId } : {}),
        ...(identity.tenantId ? { tenantId: identity.tenantId } : {}),
      });
    case 'ServicePrincipal':
      return new ClientSecretCredential(identity.tenantId, identity.clientId, identity.clientSecret, {
        ...authority,
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
): Promise<TokenCredential> {
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
  return new ClientAssertionCredential(tenantId, clientId, async () => assertion, {
    ...(authorityHost ? { authorityHost } : {}),
    disableInstanceDiscovery: true,
  });
}
