import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isRecord } from '../../core/records.js';
import { TokenError } from '../../ports/tokens.js';
import { httpsAgentFromEnv } from '../https-proxy.js';
import type { ProxyEnv } from '../proxy-env.js';
import { networkCodeOf, parseRetryAfter, PERMANENT, retryNote, transientNetworkCode, transientStatus, withRetries, type Transience } from '../retry-policy.js';

const ACR_TIMEOUT_MS = 15_000;

/** Where a registry's token service answers: `https://<host>`, or plain http for an allowed test host. */
export interface AcrEndpoint {
  readonly baseUrl: string;
  /** The `service` form field: the registry host (with port, if any). */
  readonly service: string;
}

/** Entra access token -> ACR refresh token (`/oauth2/exchange`). */
export async function exchangeForRefreshToken(endpoint: AcrEndpoint, entraToken: string, env: ProxyEnv = process.env): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'access_token', service: endpoint.service, access_token: entraToken });
  return postForm(endpoint, '/oauth2/exchange', body, 'refresh_token', env);
}

/** ACR refresh token -> access token limited to `scope` (`/oauth2/token`). */
export async function exchangeForAccessToken(endpoint: AcrEndpoint, refreshToken: string, scope: string, env: ProxyEnv = process.env): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'refresh_token', service: endpoint.service, scope, refresh_token: refreshToken });
  return postForm(endpoint, '/oauth2/token', body, 'access_token', env);
}

/** A failed call to the token service, with what the retry policy needs to know. */
class AcrCallError extends TokenError {
  constructor(
    message: string,
    readonly transience: Transience,
  ) {
    super(message);
  }
}

async function postForm(endpoint: AcrEndpoint, path: string, body: URLSearchParams, field: string, env: ProxyEnv): Promise<string> {
  const where = `ACR ${path} at ${endpoint.service}`;
  const reply = await withRetries(
    async () => {
      const response = await post(new URL(`${endpoint.baseUrl}${path}`), body.toString(), env).catch((error: unknown) => {
        throw new AcrCallError(`${where}: ${networkCause(error)}`, transientNetworkCode(networkCodeOf(error)) ? { transient: true } : PERMANENT);
      });
      const parsed = parseJson(response.text);
      if (response.status < 200 || response.status > 299) {
        const transience: Transience = transientStatus(response.status) ? { transient: true, retryAfterMs: parseRetryAfter(response.headers['retry-after']) } : PERMANENT;
        // Redirects are not followed: a token must go to the registry named, nowhere else.
        throw new AcrCallError(`${where}: HTTP ${response.status}${acrErrorOf(parsed)}`, transience);
      }
      return parsed;
    },
    (error) => (error instanceof AcrCallError ? error.transience : PERMANENT),
  ).catch((error: unknown) => {
    throw new TokenError(`${error instanceof Error ? error.message : String(error)}${retryNote(error)}`);
  });
  const value = reply?.[field];
  if (typeof value !== 'string' || value === '') throw new TokenError(`${where}: the reply has no ${field}`);
  return value;
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** One POST with node:http(s): fetch would ignore the operator's HTTPS_PROXY (https-proxy.ts). Bodies are small. */
function post(url: URL, form: string, env: ProxyEnv): Promise<Reply> {
  const secure = url.protocol === 'https:';
  const agent = secure ? httpsAgentFromEnv(env) : undefined;
  const send = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'content-length': Buffer.byteLength(form) },
        timeout: ACR_TIMEOUT_MS,
        ...(agent ? { agent } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // A token reply is a few kB; anything much larger is not one.
          if (size > 1024 * 1024) request.destroy(Object.assign(new Error('reply larger than 1 MiB'), { code: 'EREPLYTOOLARGE' }));
          else chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${ACR_TIMEOUT_MS / 1000} s`), { name: 'TimeoutError' })));
    request.on('error', reject);
    request.end(form);
  });
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

/** The socket's reason (ECONNREFUSED, ENOTFOUND, certificate errors), or our timeout. */
function networkCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return error.message;
  const code = (error as { code?: unknown }).code;
  return `${typeof code === 'string' && !error.message.includes(code) ? `${code}: ` : ''}${error.message}`;
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
