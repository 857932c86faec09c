import { isRecord } from '../../core/records.js';
import { TokenError } from '../../ports/tokens.js';

const ACR_TIMEOUT_MS = 15_000;

/** Where a registry's token service answers: `https://<host>`, or plain http for an allowed test host. */
export interface AcrEndpoint {
  readonly baseUrl: string;
  /** The `service` form field: the registry host (with port, if any). */
  readonly service: string;
}

/** Entra access token -> ACR refresh token (`/oauth2/exchange`). */
export async function exchangeForRefreshToken(endpoint: AcrEndpoint, entraToken: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'access_token', service: endpoint.service, access_token: entraToken });
  return postForm(endpoint, '/oauth2/exchange', body, 'refresh_token');
}

/** ACR refresh token -> access token limited to `scope` (`/oauth2/token`). */
export async function exchangeForAccessToken(endpoint: AcrEndpoint, refreshToken: string, scope: string): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'refresh_token', service: endpoint.service, scope, refresh_token: refreshToken });
  return postForm(endpoint, '/oauth2/token', body, 'access_token');
}

async function postForm(endpoint: AcrEndpoint, path: string, body: URLSearchParams, field: string): Promise<string> {
  const where = `ACR ${path} at ${endpoint.service}`;
  let response: Response;
  try {
    response = await fetch(`${endpoint.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(ACR_TIMEOUT_MS),
    });
  } catch (error) {
    throw new TokenError(`${where}: ${networkCause(error)}`);
  }
  const text = await response.text().catch(() => '');
  const parsed = parseJson(text);
  if (!response.ok) throw new TokenError(`${where}: HTTP ${response.status}${acrErrorOf(parsed)}`);
  const value = parsed?.[field];
  if (typeof value !== 'string' || value === '') throw new TokenError(`${where}: the reply has no ${field}`);
  return value;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** ACR answers `{"errors":[{"code":"UNAUTHORIZED","message":"..."}]}` (the distribution error shape). */
function acrErrorOf(body: Record<string, unknown> | undefined): string {
  const errors = body?.['errors'];
  if (!Array.isArray(errors)) return '';
  const parts = errors.flatMap((item: unknown) => {
    if (!isRecord(item)) return [];
    return [[item['code'], item['message']].filter((v): v is string => typeof v === 'string' && v !== '').join(': ')];
  });
  return parts.length > 0 ? `: ${parts.join('; ')}` : '';
}

/** fetch hides the reason in `cause` (ECONNREFUSED, ENOTFOUND, certificate errors). */
function networkCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no answer within ${ACR_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${cause.message}`;
  }
  return error.message;
}

/** The `exp` claim of a JWT, unverified: the registry verifies; we only need to know when to renew. */
export function jwtExpiry(token: string): Date | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const exp = typeof claims === 'object' && claims !== null ? (claims as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
