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
 *     token_uri is ignored by the library, so this is the only way to point a key at a fake.
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

export interface FakeGoogle {
  /** `127.0.0.1:PORT`, for GCE_METADATA_HOST. */
  readonly metadataHost: string;
  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY. */
  readonly proxyUrl: string;
  readonly calls: GoogleCall[];
  /** Service-account keys with this client_email get tokens; others `invalid_grant`. */
  allowServiceAccount(email: string): void;
  /** The next `times` (default 1) metadata token requests fail with this status and body. */
  failMetadataToken(status: number, body: string, times?: number): void;
  setExpiresIn(seconds: number): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeGoogle(tls: { key: string; cert: string }): Promise<FakeGoogle> {
  const calls: GoogleCall[] = [];
  const accounts = new Set<string>();
  let metadataFailure: { status: number; body: string; remaining: number } | undefined;
  let expiresIn = 3599;
  let issued = 0;
  const reset = (): void => {
    calls.length = 0;
    accounts.clear();
    metadataFailure = undefined;
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
        const { status, body } = metadataFailure;
        metadataFailure.remaining -= 1;
        if (metadataFailure.remaining <= 0) metadataFailure = undefined;
        res.writeHead(status, { ...flavor, 'content-type': 'text/plain' }).end(body);
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
  return {
    metadataHost: `127.0.0.1:${metadataPort}`,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    calls,
    allowServiceAccount: (email) => void accounts.add(email),
    failMetadataToken(status, body, times = 1) {
      metadataFailure = { status, body, remaining: times };
    },
    setExpiresIn(seconds) {
      expiresIn = seconds;
    },
    reset,
    async close() {
      await Promise.all([metadata, proxy].map((server) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })));
      oauth.close();
    },
  };
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
