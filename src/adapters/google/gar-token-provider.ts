import { GoogleAuth } from 'google-auth-library';
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
  const auth = new GoogleAuth({
    scopes: [SCOPE],
    projectId: PROJECT_PLACEHOLDER,
    ...(request.serviceAccountKey ? { credentials: keyCredentials(request.serviceAccountKey) } : {}),
  });
  const how = request.serviceAccountKey ? 'service-account key' : 'application default credentials';
  try {
    const client = await auth.getClient();
    const { token } = await client.getAccessToken();
    if (!token) throw new TokenError(`Google access token (${how}): none returned`);
    const expiry = client.credentials.expiry_date;
    return { username: GOOGLE_USERNAME, password: token, expiresAt: typeof expiry === 'number' ? new Date(expiry) : undefined };
  } catch (error) {
    throw error instanceof TokenError ? error : new TokenError(`Google access token (${how}): ${describeGoogleError(error)}`);
  }
}

/** Only the two fields the JWT flow needs: the parser already checked the key's shape. */
function keyCredentials(key: string): { client_email: string; private_key: string } {
  const parsed = JSON.parse(key) as { client_email: string; private_key: string };
  return { client_email: parsed.client_email, private_key: parsed.private_key };
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
