import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gaxios, GoogleAuth, JWT, type AuthClient } from 'google-auth-library';
import { GOOGLE_USERNAME, type GarTokenRequest, type RegistryToken } from '../../core/tokens.js';
import { TokenError } from '../../ports/tokens.js';
import { networkCodeOf, parseRetryAfter, PERMANENT, retryNote, transientNetworkCode, transientStatus, withRetries, type Transience } from '../retry-policy.js';
import { fetchMetadataToken } from './metadata-token.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/**
 * The token does not depend on a project, but google-auth-library looks one up while choosing credentials, and on
 * "GCE" that runs `gcloud config config-helper` as a subprocess. A placeholder skips the lookup.
 */
const PROJECT_PLACEHOLDER = 'imps-krm-token-only';
const TIMEOUT_MS = 15_000;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A Google OAuth access token for Artifact Registry / Container Registry: from a service-account key, or from the
 * process's identity. That is, as Application Default Credentials choose it: the operator's
 * GOOGLE_APPLICATION_CREDENTIALS file, else gcloud's application-default file, else the metadata server (GKE
 * workload identity, GCE; address from GCE_METADATA_HOST), which imps-krm asks itself (metadata-token.ts).
 * Unlike the AWS and Azure identities, the process's Google token IS the registry password: every keyless GAR
 * source asks the same token request (tokenRequestKey), which a render makes once and the controller's token cache
 * keeps by its renewal policy; a second cache here would only hold it past that renewal.
 */
export async function fetchGarToken(request: GarTokenRequest, env: Env = process.env): Promise<RegistryToken> {
  if (request.serviceAccountKey) {
    const client = keyClient(request.serviceAccountKey);
    return libraryToken(client, 'service-account key');
  }
  if (adcFile(env)) {
    const client = await new GoogleAuth({ scopes: [SCOPE], projectId: PROJECT_PLACEHOLDER, clientOptions: { transporter: singleAttemptTransporter() } }).getClient();
    return libraryToken(client, 'application default credentials');
  }
  try {
    const { token, expiresAt } = await fetchMetadataToken(SCOPE, env);
    return { username: GOOGLE_USERNAME, password: token, expiresAt };
  } catch (error) {
    throw new TokenError(`Google access token (metadata server): ${error instanceof Error ? error.message.replace(/^metadata server /, '') : String(error)}`);
  }
}

/**
 * The ADC file google-auth-library would read before the metadata server (GoogleAuth
 * _tryGetApplicationCredentialsFromWellKnownFile): GOOGLE_APPLICATION_CREDENTIALS, else
 * $CLOUDSDK_CONFIG or ~/.config/gcloud, application_default_credentials.json (a developer's gcloud login).
 */
function adcFile(env: Env): string | undefined {
  const named = env['GOOGLE_APPLICATION_CREDENTIALS'];
  if (named) return named;
  const configDir = env['CLOUDSDK_CONFIG'] || (env['HOME'] ? join(env['HOME'], '.config', 'gcloud') : undefined);
  const wellKnown = configDir ? join(configDir, 'application_default_credentials.json') : undefined;
  return wellKnown && existsSync(wellKnown) ? wellKnown : undefined;
}

async function libraryToken(client: AuthClient, how: string): Promise<RegistryToken> {
  try {
    const { token } = await withRetries(() => client.getAccessToken(), googleTransience);
    if (!token) throw new TokenError(`Google access token (${how}): none returned`);
    const expiry = client.credentials.expiry_date;
    return { username: GOOGLE_USERNAME, password: token, expiresAt: typeof expiry === 'number' ? new Date(expiry) : undefined };
  } catch (error) {
    throw error instanceof TokenError ? error : new TokenError(`Google access token (${how}): ${describeGoogleError(error)}${retryNote(error)}`);
  }
}

/**
 * A JWT client built from the two fields the flow needs, the way google-auth-library 11 asks for it (its
 * `credentials` option is deprecated because it loads any credential type unchecked, external_account ones that run
 * executables included). The parser already accepted only `type: service_account` keys of this shape.
 */
function keyClient(key: string): AuthClient {
  const parsed = JSON.parse(key) as { client_email: string; private_key: string };
  return new JWT({ email: parsed.client_email, key: parsed.private_key, scopes: [SCOPE], transporter: singleAttemptTransporter() });
}

/**
 * gaxios retries the token request itself (gtoken asks it to, POST included): one attempt here, retries are
 * retry-policy.ts's. HTTPS_PROXY and NO_PROXY are still gaxios's to apply.
 */
function singleAttemptTransporter(): InstanceType<typeof gaxios.Gaxios> {
  const transporter = new gaxios.Gaxios({ timeout: TIMEOUT_MS });
  transporter.interceptors.request.add({
    resolved: async (options) => ({ ...options, retry: false, retryConfig: { ...options.retryConfig, retry: 0, noResponseRetries: 0 } }),
  });
  return transporter;
}

/** gaxios errors: the HTTP status (with Retry-After), or the socket's code. */
function googleTransience(error: unknown): Transience {
  const response = (error as { response?: { status?: unknown; headers?: { get?: (name: string) => string | null } } } | undefined)?.response;
  const status = typeof response?.status === 'number' ? response.status : undefined;
  if (transientStatus(status)) return { transient: true, retryAfterMs: parseRetryAfter(response?.headers?.get?.('retry-after')) };
  if (status === undefined && transientNetworkCode(networkCodeOf(error))) return { transient: true };
  return PERMANENT;
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
