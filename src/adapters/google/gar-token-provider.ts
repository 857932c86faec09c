import { GoogleAuth, JWT, type AuthClient } from 'google-auth-library';
import { GOOGLE_USERNAME, type GarTokenRequest, type RegistryToken } from '../../core/tokens.js';
import { TokenError } from '../../ports/tokens.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/**
 * The token does not depend on a project, but google-auth-library looks one up while choosing credentials, and on
 * "GCE" that runs `gcloud config config-helper` as a subprocess. A placeholder skips the lookup.
 */
const PROJECT_PLACEHOLDER = 'imps-krm-token-only';

/**
 * A Google OAuth access token for Artifact Registry / Container Registry: from a service-account key, or from
 * Application Default Credentials (GKE workload identity and other metadata servers, GOOGLE_APPLICATION_CREDENTIALS).
 * The metadata server address follows GCE_METADATA_HOST, as the library documents.
 */
export async function fetchGarToken(request: GarTokenRequest): Promise<RegistryToken> {
  const how = request.serviceAccountKey ? 'service-account key' : 'application default credentials';
  try {
    const client = request.serviceAccountKey ? keyClient(request.serviceAccountKey) : await new GoogleAuth({ scopes: [SCOPE], projectId: PROJECT_PLACEHOLDER }).getClient();
    const { token } = await client.getAccessToken();
    if (!token) throw new TokenError(`Google access token (${how}): none returned`);
    const expiry = client.credentials.expiry_date;
    return { username: GOOGLE_USERNAME, password: token, expiresAt: typeof expiry === 'number' ? new Date(expiry) : undefined };
  } catch (error) {
    throw error instanceof TokenError ? error : new TokenError(`Google access token (${how}): ${describeGoogleError(error)}`);
  }
}

/**
 * A JWT client built from the two fields the flow needs, the way google-auth-library 11 asks for it (its
 * `credentials` option is deprecated because it loads any credential type unchecked, external_account ones that run
 * executables included). The parser already accepted only `type: service_account` keys of this shape.
 */
function keyClient(key: string): AuthClient {
  const parsed = JSON.parse(key) as { client_email: string; private_key: string };
  return new JWT({ email: parsed.client_email, key: parsed.private_key, scopes: [SCOPE] });
}

/** gaxios errors carry the HTTP status and the OAuth error (`invalid_grant: ...`); the first line is enough. */
export function describeGoogleError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const response = (error as { response?: { status?: unknown; data?: unknown } }).response;
  const status = typeof response?.status === 'number' ? ` (HTTP ${response.status})` : '';
  const data = response?.data;
  if (typeof data === 'object' && data !== null) {
    const { error: code, error_description: description } = data as { error?: unknown; error_description?: unknown };
    if (typeof code === 'string') return `${code}${status}${typeof description === 'string' ? `: ${description}` : ''}`;
  }
  const line = error.message.split(/\r?\n/).find((l) => l.trim() !== '') ?? error.name;
  return `${error.name === 'Error' ? '' : `${error.name}: `}${line.trim()}${status}`;
}
