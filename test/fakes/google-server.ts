/**
 * Fake Google endpoints on loopback for the REAL google-auth-library:
 *
 *   metadata server (http):  GCE_METADATA_HOST=127.0.0.1:PORT
 *     GET /computeMetadata/v1/instance                                   ping (answers Metadata-Flavor: Google)
 *     GET /computeMetadata/v1/instance/service-accounts/default/token    {access_token, expires_in, token_type}
 *     anything else under /computeMetadata/v1                            404 (universe domain: the default)
 *   CONNECT proxy (http):    HTTPS_PROXY=http://127.0.0.1:PORT
 *     tunnels only to oauth2.googleapis.com:443 and answers it itself over TLS (the caller trusts the cert
 *     via NODE_EXTRA_CA_CERTS): POST /token with the JWT-bearer grant of a service-account key. A key's
 *     token_uri is ignored by the library, so this is the only way to point a key at a fake. The same OAuth server
 *     also listens on `oauthPort`, for test/fakes/connect-proxy.ts to route oauth2.googleapis.com to.
 *
 * Tokens are deterministic strings; the library computes expiry from `expires_in` and the real clock.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { claimsOf } from './fake-jwt.js';

export interface GoogleCall {
  readonly endpoint: 'metadata-ping' | 'metadata-token' | 'oauth2-token' | 'proxy-connect';
  readonly params: Record<string, string>;
}

export interface FailureOptions {
  readonly retryAfter?: string;
  /** Close the connection without a reply. */
  readonly reset?: boolean;
}

interface Failure extends FailureOptions {
  readonly status: number;
  readonly body: string;
  remaining: number;
}

export interface FakeGoogle {
  /** `127.0.0.1:PORT`, for GCE_METADATA_HOST. */
  readonly metadataHost: string;
  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY. */
  readonly proxyUrl: string;
  readonly calls: GoogleCall[];
  /** Service-account keys with this client_email get tokens; others `invalid_grant`. */
  allowServiceAccount(email: string): void;
  /** `127.0.0.1:PORT` of the OAuth token endpoint, for a proxy's route to oauth2.googleapis.com:443. */
  readonly oauthPort: number;
  /** The next `times` (default 1) metadata token requests fail with this status and body (or a reset). */
  failMetadataToken(status: number, body: string, times?: number, options?: FailureOptions): void;
  /** The next `times` (default 1) OAuth token requests (service-account keys) fail likewise. */
  failOauthToken(status: number, body: string, times?: number, options?: FailureOptions): void;
  setExpiresIn(seconds: number): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeGoogle(tls: { key: string; cert: string }): Promise<FakeGoogle> {
  const calls: GoogleCall[] = [];
  const accounts = new Set<string>();
  let metadataFailure: Failure | undefined;
  let oauthFailure: Failure | undefined;
  /** Answers the queued failure (and counts it down); false when none is queued. */
  const fail = (failure: Failure | undefined, res: http.ServerResponse, headers: Record<string, string>): Failure | undefined => {
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.reset) res.socket?.destroy();
    else res.writeHead(failure.status, { ...headers, 'content-type': 'text/plain', ...(failure.retryAfter ? { 'retry-after': failure.retryAfter } : {}) }).end(failure.body);
    return failure.remaining <= 0 ? undefined : failure;
  };
  let expiresIn = 3599;
  let issued = 0;
  const reset = (): void => {
    calls.length = 0;
    accounts.clear();
    metadataFailure = undefined;
    oauthFailure = undefined;
    expiresIn = 3599;
    issued = 0;
  };
  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(text);
  };

  const metadata = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://metadata');
    const flavor = { 'metadata-flavor': 'Google' };
    if (req.headers['metadata-flavor'] !== 'Google') {
      res.writeHead(403, flavor).end('Missing Metadata-Flavor:Google header.');
      return;
    }
    if (url.pathname === '/computeMetadata/v1/instance') {
      calls.push({ endpoint: 'metadata-ping', params: {} });
      res.writeHead(200, { ...flavor, 'content-type': 'application/text' }).end('attributes/\nservice-accounts/\n');
      return;
    }
    if (url.pathname === '/computeMetadata/v1/instance/service-accounts/default/token') {
      calls.push({ endpoint: 'metadata-token', params: Object.fromEntries(url.searchParams) });
      if (metadataFailure) {
        metadataFailure = fail(metadataFailure, res, flavor);
        return;
      }
      issued += 1;
      json(res, 200, { access_token: `ya29.metadata-token-${issued}`, expires_in: expiresIn, token_type: 'Bearer' }, flavor);
      return;
    }
    res.writeHead(404, { ...flavor, 'content-type': 'text/html' }).end('Not Found');
  });

  const oauth = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const claims = claimsOf(form.get('assertion') ?? '');
      calls.push({ endpoint: 'oauth2-token', params: { path: req.url ?? '', grant_type: form.get('grant_type') ?? '', iss: String(claims?.['iss']) } });
      if (req.method !== 'POST' || req.url !== '/token') {
        json(res, 404, { error: 'not_found' });
        return;
      }
      if (oauthFailure) {
        oauthFailure = fail(oauthFailure, res, {});
        return;
      }
      const email = typeof claims?.['iss'] === 'string' ? claims['iss'] : '';
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' || !accounts.has(email)) {
        json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
        return;
      }
      issued += 1;
      json(res, 200, { access_token: `ya29.key-token-${issued}`, expires_in: expiresIn, token_type: 'Bearer' });
    });
  });

  const proxy = http.createServer((_req, res) => res.writeHead(405).end('CONNECT only'));
  proxy.on('connect', (req: http.IncomingMessage, socket: Socket) => {
    calls.push({ endpoint: 'proxy-connect', params: { target: req.url ?? '' } });
    if (req.url !== 'oauth2.googleapis.com:443') {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    oauth.emit('connection', socket);
  });

  const metadataPort = await listen(metadata);
  const proxyPort = await listen(proxy);
  const oauthPort = await listen(oauth);
  return {
    metadataHost: `127.0.0.1:${metadataPort}`,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    oauthPort,
    calls,
    allowServiceAccount: (email) => void accounts.add(email),
    failMetadataToken(status, body, times = 1, options = {}) {
      metadataFailure = { status, body, remaining: times, ...options };
    },
    failOauthToken(status, body, times = 1, options = {}) {
      oauthFailure = { status, body, remaining: times, ...options };
    },
    setExpiresIn(seconds) {
      expiresIn = seconds;
    },
    reset,
    async close() {
      await Promise.all([metadata, proxy, oauth].map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })));
    },
  };
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
