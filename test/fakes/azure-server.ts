/**
 * Fake Azure identity endpoints and an ACR token service on loopback, for the REAL @azure/identity clients and our
 * ACR exchange, reached through the overrides a user would use:
 *
 *   https server (Entra ID; MSAL accepts only https authorities):
 *     AZURE_AUTHORITY_HOST=https://127.0.0.1:PORT  (trust the cert via NODE_EXTRA_CA_CERTS: a child process)
 *     GET  /<tenant>/v2.0/.well-known/openid-configuration      authority metadata
 *     POST /<tenant>/oauth2/v2.0/token                            client credentials: client_secret or
 *                                                                 client_assertion (workload identity)
 *   (the https server also answers the registry's /oauth2 routes, for registries reached under their own name)
 *   http server (IMDS shape and the registry):
 *     AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:PORT
 *     GET  /metadata/identity/oauth2/token[/]?resource=&client_id=|msi_res_id=|mi_res_id=   (header Metadata: true)
 *     POST /oauth2/exchange   grant_type=access_token, service, access_token -> {refresh_token}
 *     POST /oauth2/token      grant_type=refresh_token, service, scope, refresh_token -> {access_token}
 *
 * Entra/IMDS tokens use the real clock (MSAL computes their lifetime from it); ACR tokens use `setNow`, so their
 * `exp` claims, and the expiry we render, are deterministic.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { claimsOf, fakeJwt } from './fake-jwt.js';

export interface AzureCall {
  readonly endpoint: 'openid-configuration' | 'entra-token' | 'imds' | 'acr-exchange' | 'acr-token';
  readonly params: Record<string, string>;
}

export interface FakeAzureFailure {
  readonly status: number;
  readonly body: unknown;
  /** Extra reply headers (Retry-After). */
  readonly headers?: Record<string, string>;
  /** Close the connection without a reply (a reset) instead of answering. */
  readonly reset?: boolean;
}

export interface FakeAzure {
  /** `https://127.0.0.1:PORT`, for AZURE_AUTHORITY_HOST. */
  readonly authorityHost: string;
  /** `http://127.0.0.1:PORT`: AZURE_POD_IDENTITY_AUTHORITY_HOST, and the registry address in tests. */
  readonly httpUrl: string;
  readonly calls: AzureCall[];
  /** Workload identity: accept this federated token (the token file's content) for the client id. */
  allowFederatedToken(clientId: string, token: string): void;
  /**
   * Workload identity federated with a Kubernetes ServiceAccount (what an AcrPullBinding's controller presents): accept
   * any assertion whose `sub` is this subject (`system:serviceaccount:<ns>:<name>`) and whose `aud` holds
   * api://AzureCRTokenExchange, for the client id in the tenant, as an Entra federated identity credential does.
   */
  allowFederatedSubject(clientId: string, tenantId: string, subject: string): void;
  /** Service principal: accept this secret for the client id. */
  allowClientSecret(clientId: string, secret: string): void;
  /** Managed identity: the IMDS answers for these ids (client id or resource id); the system identity always works. */
  allowManagedIdentity(id: string): void;
  /** ACR access-token lifetime (default 75 min, what users saw) and refresh-token lifetime (default 3 h). */
  setLifetimes(accessSeconds: number, refreshSeconds: number): void;
  setNow(now: () => Date): void;
  failNext(endpoint: AzureCall['endpoint'], failure: FakeAzureFailure): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeAzure(tls: { key: string; cert: string }): Promise<FakeAzure> {
  const calls: AzureCall[] = [];
  const federated = new Map<string, string>();
  const subjects = new Map<string, { tenantId: string; subject: string }>();
  const secrets = new Map<string, string>();
  const managed = new Set<string>();
  const failures = new Map<AzureCall['endpoint'], FakeAzureFailure[]>();
  let accessSeconds = 75 * 60;
  let refreshSeconds = 3 * 3600;
  let now: () => Date = () => new Date();
  const reset = (): void => {
    calls.length = 0;
    federated.clear();
    subjects.clear();
    secrets.clear();
    managed.clear();
    failures.clear();
    accessSeconds = 75 * 60;
    refreshSeconds = 3 * 3600;
    now = () => new Date();
  };

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };
  const entraError = (res: http.ServerResponse, status: number, error: string, description: string): void =>
    json(res, status, { error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)] });
  const acrError = (res: http.ServerResponse, status: number, code: string, message: string): void =>
    json(res, status, { errors: [{ code, message }] });

  /** Records the call; answers an injected failure and returns true when one is queued. */
  const record = (res: http.ServerResponse, endpoint: AzureCall['endpoint'], params: Record<string, string>): boolean => {
    calls.push({ endpoint, params });
    const failure = failures.get(endpoint)?.shift();
    if (failure?.reset) res.socket?.destroy();
    else if (failure) json(res, failure.status, failure.body, failure.headers);
    return failure !== undefined;
  };

  const entraAccessToken = (subject: string, audience: string): string =>
    fakeJwt({ iss: 'https://fake-entra/', sub: subject, aud: audience, exp: Math.floor(Date.now() / 1000) + 3600 });

  const handleEntra = async (req: http.IncomingMessage, res: http.ServerResponse, origin: string): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    // A registry reached under its own name over https (through test/fakes/connect-proxy.ts): its token service answers here too.
    if (req.method === 'POST' && (url.pathname === '/oauth2/exchange' || url.pathname === '/oauth2/token')) return handleHttp(req, res, origin);
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (req.method === 'GET' && discovery) {
      const tenant = discovery[1]!;
      if (record(res, 'openid-configuration', { tenant })) return;
      json(res, 200, {
        token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
        issuer: `${origin}/${tenant}/v2.0`,
        jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      });
      return;
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (req.method === 'POST' && token) {
      const params = Object.fromEntries(new URLSearchParams(await readBody(req)));
      if (record(res, 'entra-token', { tenant: token[1]!, ...redactForm(params) })) return;
      const clientId = params['client_id'] ?? '';
      const scope = (params['scope'] ?? '').split(' ').find((s) => s.endsWith('/.default')) ?? '';
      const assertion = params['client_assertion'];
      const secret = params['client_secret'];
      const claims = assertion !== undefined ? claimsOf(assertion) : undefined;
      const bound = subjects.get(clientId);
      const audiences = Array.isArray(claims?.['aud']) ? (claims['aud'] as unknown[]) : [claims?.['aud']];
      const ok =
        (assertion !== undefined && federated.get(clientId) === assertion) ||
        (bound !== undefined && bound.tenantId === token[1] && claims?.['sub'] === bound.subject && audiences.includes('api://AzureCRTokenExchange')) ||
        (secret !== undefined && secrets.get(clientId) === secret);
      if (!ok) {
        const description =
          assertion !== undefined
            ? 'AADSTS700213: No matching federated identity record found for presented assertion subject.'
            : 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.';
        entraError(res, 401, 'invalid_client', `${description}\r\nTrace ID: 00000000-0000-0000-0000-000000000001`);
        return;
      }
      json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: entraAccessToken(clientId, scope.replace(/\.default$/, '')) });
      return;
    }
    json(res, 404, { error: 'not_found', error_description: `fake-azure: no route ${req.method} ${url.pathname}` });
  };

  const handleHttp = async (req: http.IncomingMessage, res: http.ServerResponse, origin: string): Promise<void> => {
    const url = new URL(req.url ?? '/', origin);
    if (req.method === 'GET' && /^\/metadata\/identity\/oauth2\/token\/?$/.test(url.pathname)) {
      const params = Object.fromEntries(url.searchParams);
      if (record(res, 'imds', params)) return;
      if (req.headers['metadata'] !== 'true') {
        json(res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
        return;
      }
      const id = params['client_id'] ?? params['msi_res_id'] ?? params['mi_res_id'] ?? params['object_id'];
      if (id !== undefined && !managed.has(id)) {
        json(res, 400, { error: 'invalid_request', error_description: 'Identity not found' });
        return;
      }
      const resource = params['resource'] ?? '';
      const expiresOn = Math.floor(Date.now() / 1000) + 3600;
      json(res, 200, {
        access_token: entraAccessToken(id ?? 'system-assigned', resource),
        expires_in: '3600',
        expires_on: String(expiresOn),
        resource,
        token_type: 'Bearer',
        client_id: id ?? 'system-assigned',
      });
      return;
    }
    if (req.method === 'POST' && (url.pathname === '/oauth2/exchange' || url.pathname === '/oauth2/token')) {
      const params = Object.fromEntries(new URLSearchParams(await readBody(req)));
      const endpoint = url.pathname === '/oauth2/exchange' ? 'acr-exchange' : 'acr-token';
      if (record(res, endpoint, redactForm(params))) return;
      const service = params['service'];
      const registry = req.headers.host ?? url.host;
      if (service !== registry) {
        acrError(res, 400, 'UNSUPPORTED', `service ${String(service)} does not match the registry ${registry}`);
        return;
      }
      const nowSeconds = Math.floor(now().getTime() / 1000);
      if (endpoint === 'acr-exchange') {
        const claims = params['grant_type'] === 'access_token' ? claimsOf(params['access_token'] ?? '') : undefined;
        if (!claims || typeof claims['aud'] !== 'string' || !String(claims['aud']).startsWith('https://management.')) {
          acrError(res, 401, 'UNAUTHORIZED', 'the access token is invalid or not for Azure Resource Manager');
          return;
        }
        // No `service` claim: it holds the random port, and rendered output must be the same on every run.
        const refresh = fakeJwt({ sub: claims['sub'], grant_type: 'refresh_token', iat: nowSeconds, exp: nowSeconds + refreshSeconds });
        json(res, 200, { refresh_token: refresh });
        return;
      }
      const claims = params['grant_type'] === 'refresh_token' ? claimsOf(params['refresh_token'] ?? '') : undefined;
      if (!claims || claims['grant_type'] !== 'refresh_token') {
        acrError(res, 401, 'UNAUTHORIZED', 'the refresh token is invalid');
        return;
      }
      const access = (params['scope'] ?? '').split(' ').filter(Boolean).map((scope) => {
        const [, name, actions] = scope.split(':');
        return { type: 'repository', name, actions: (actions ?? '').split(',') };
      });
      json(res, 200, { access_token: fakeJwt({ sub: claims['sub'], access, iat: nowSeconds, exp: nowSeconds + accessSeconds }) });
      return;
    }
    json(res, 404, { errors: [{ code: 'NOT_FOUND', message: `fake-azure: no route ${req.method} ${url.pathname}` }] });
  };

  const serve =
    (handler: typeof handleHttp, origin: () => string) =>
    (req: http.IncomingMessage, res: http.ServerResponse): void => {
      handler(req, res, origin()).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: 'fake_failure', error_description: String(error) });
      });
    };
  let httpsOrigin = '';
  let httpOrigin = '';
  const tlsServer = https.createServer({ key: tls.key, cert: tls.cert }, serve(handleEntra, () => httpsOrigin));
  const plainServer = http.createServer(serve(handleHttp, () => httpOrigin));
  httpsOrigin = `https://127.0.0.1:${await listen(tlsServer)}`;
  httpOrigin = `http://127.0.0.1:${await listen(plainServer)}`;

  return {
    authorityHost: httpsOrigin,
    httpUrl: httpOrigin,
    calls,
    allowFederatedToken: (clientId, token) => void federated.set(clientId, token),
    allowFederatedSubject: (clientId, tenantId, subject) => void subjects.set(clientId, { tenantId, subject }),
    allowClientSecret: (clientId, secret) => void secrets.set(clientId, secret),
    allowManagedIdentity: (id) => void managed.add(id),
    setLifetimes(access, refresh) {
      accessSeconds = access;
      refreshSeconds = refresh;
    },
    setNow(fn) {
      now = fn;
    },
    failNext(endpoint, failure) {
      failures.set(endpoint, [...(failures.get(endpoint) ?? []), failure]);
    },
    reset,
    async close() {
      await Promise.all([tlsServer, plainServer].map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })));
    },
  };
}

/** Calls are kept for assertions; secrets in them are not needed and would only leak into test output. */
function redactForm(params: Record<string, string>): Record<string, string> {
  const out = { ...params };
  for (const key of ['client_secret', 'client_assertion', 'access_token', 'refresh_token']) {
    if (out[key] !== undefined) out[key] = '[set]';
  }
  return out;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
