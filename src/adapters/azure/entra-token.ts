import {
  ClientSecretCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import { azureCloudEndpoints, type AirgappedCloudSettings } from '../../core/azure-clouds.js';
import type { AcrTokenRequest } from '../../core/tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { describeAzureError } from './azure-errors.js';

const ENTRA_TIMEOUT_MS = 20_000;

/**
 * An Entra ID access token for the identity the source names. Explicit credentials only: DefaultAzureCredential
 * would hide a failing identity behind the next one in its chain. Instance discovery is off because MSAL sends it
 * to login.microsoftonline.com whatever the authority host is, which breaks sovereign and air-gapped clouds.
 */
export async function fetchEntraToken(request: AcrTokenRequest, airgapped: AirgappedCloudSettings): Promise<string> {
  const endpoints = azureCloudEndpoints(request.cloud, airgapped);
  if ('error' in endpoints) throw new TokenError(endpoints.error);
  const credential = credentialFor(request, endpoints.authorityHost);
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
  }
}
