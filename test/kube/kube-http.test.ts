// kube-http with real TLS, client certificates, a CONNECT proxy, and the one pagination loop, all on loopback.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeAccess } from '../../src/adapters/kube/kube-access.js';
import { KubeApiError, kubeHttp } from '../../src/adapters/kube/kube-http.js';
import { listPages, METADATA_ONLY_ACCEPT } from '../../src/adapters/kube/list-pages.js';
import { startConnectProxy, type FakeConnectProxy } from '../fakes/connect-proxy.js';
import { startFakeKubeApi, type FakeKubeApi } from '../fakes/kube-api-server.js';
import { generateCert, selfSignedCert } from '../fakes/tls.js';
import { tempDir, writeKubeconfig } from './kubeconfig-file.js';

const env = { HOME: tempDir() };
const b64 = (text: string): string => Buffer.from(text).toString('base64');

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

const names = (list: unknown): string[] => (list as { items: Array<{ metadata: { name: string } }> }).items.map((item) => item.metadata.name);

describe('TLS', () => {
  let kube: FakeKubeApi;
  let ca: string;
  beforeAll(async () => {
    kube = await startFakeKubeApi({ tls: true, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tls-ns' } }] });
    ca = b64(kube.caCert ?? '');
  });
  afterAll(async () => kube.close());

  it('trusts the kubeconfig CA, and only it', async () => {
    expect(kube.tls).toBe(true);
    const good = writeKubeconfig(tempDir(), { cluster: { server: kube.url, 'certificate-authority-data': ca }, user: { token: 'fake-token' } });
    expect(names(await kubeHttp(loadKubeAccess({ kubeconfig: good }, env)).request('GET', '/api/v1/namespaces'))).toContain('tls-ns');
    const other = b64(generateCert('/CN=other', 'DNS:other')!.cert);
    const wrong = writeKubeconfig(tempDir(), { cluster: { server: kube.url, 'certificate-authority-data': other }, user: { token: 'fake-token' } });
    const error = await failure(kubeHttp(loadKubeAccess({ kubeconfig: wrong }, env)).request('GET', '/api/v1/namespaces'));
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ status: 0 });
    expect((error as Error).message).toMatch(/^GET \/api\/v1\/namespaces: .*(certificate|self.signed)/i);
  });

  it('checks the certificate against tls-server-name, and skips checks with insecure-skip-tls-verify', async () => {
    const named = (name: string): string =>
      writeKubeconfig(tempDir(), { cluster: { server: kube.url, 'certificate-authority-data': ca, 'tls-server-name': name }, user: { token: 'fake-token' } });
    expect(names(await kubeHttp(loadKubeAccess({ kubeconfig: named('localhost') }, env)).request('GET', '/api/v1/namespaces'))).toContain('tls-ns');
    const mismatch = await failure(kubeHttp(loadKubeAccess({ kubeconfig: named('api.example.com') }, env)).request('GET', '/api/v1/namespaces'));
    expect((mismatch as Error).message).toMatch(/api\.example\.com/);
    const insecure = writeKubeconfig(tempDir(), { cluster: { server: kube.url, 'insecure-skip-tls-verify': true }, user: { token: 'fake-token' } });
    expect(names(await kubeHttp(loadKubeAccess({ kubeconfig: insecure }, env)).request('GET', '/api/v1/namespaces'))).toContain('tls-ns');
  });
});

describe('client certificates', () => {
  const server = selfSignedCert()!;
  const client = generateCert('/CN=imps-test-client', 'DNS:imps-test-client')!;
  let port: number;
  let api: https.Server;
  beforeAll(async () => {
    api = https.createServer({ key: server.key, cert: server.cert, ca: client.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const subject = (req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'NamespaceList', items: [{ metadata: { name: subject } }] }));
    });
    port = await listen(api);
  });
  afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

  it('presents the client certificate of the kubeconfig (data or files) or of an exec plugin', async () => {
    const cluster = { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': b64(server.cert) };
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/client.crt`, client.cert);
    writeFileSync(`${dir}/client.key`, client.key);
    for (const user of [{ 'client-certificate-data': b64(client.cert), 'client-key-data': b64(client.key) }, { 'client-certificate': 'client.crt', 'client-key': 'client.key' }]) {
      const kubeconfig = writeKubeconfig(dir, { cluster, user });
      expect(names(await kubeHttp(loadKubeAccess({ kubeconfig }, env)).request('GET', '/api/v1/namespaces'))).toEqual(['imps-test-client']);
    }
    // From an exec plugin's ExecCredential (PEM, not base64).
    writeFileSync(
      `${dir}/credential.json`,
      JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { clientCertificateData: client.cert, clientKeyData: client.key } }),
    );
    writeFileSync(`${dir}/plugin.sh`, `#!/bin/sh\ncat "${dir}/credential.json"\n`, { mode: 0o755 });
    const exec = writeKubeconfig(dir, { cluster, user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './plugin.sh', interactiveMode: 'Never' } } }, 'exec');
    expect(names(await kubeHttp(loadKubeAccess({ kubeconfig: exec }, env)).request('GET', '/api/v1/namespaces'))).toEqual(['imps-test-client']);
    const without = writeKubeconfig(dir, { cluster, user: {} }, 'anonymous');
    expect(await failure(kubeHttp(loadKubeAccess({ kubeconfig: without }, env)).request('GET', '/api/v1/namespaces'))).toMatchObject({ status: 0 });
  });
});

describe('proxy-url', () => {
  let kube: FakeKubeApi;
  let proxy: http.Server;
  let proxyPort: number;
  const connects: Array<{ target: string; auth: string | undefined }> = [];
  const tunnels = new Set<net.Socket>();
  beforeAll(async () => {
    kube = await startFakeKubeApi({ tls: true, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'via-proxy' } }] });
    proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req: IncomingMessage, socket: net.Socket, head: Buffer) => {
      const auth = req.headers['proxy-authorization'];
      tunnels.add(socket);
      connects.push({ target: req.url ?? '', auth });
      if (auth === `Basic ${b64('bad:guy')}`) {
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      const [host, port] = (req.url ?? '').split(':');
      const upstream = net.connect(Number(port), host, () => {
        tunnels.add(upstream);
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    proxyPort = await listen(proxy);
  });
  afterAll(async () => {
    for (const socket of tunnels) socket.destroy();
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await kube.close();
  });

  it('tunnels TLS to the API server through an HTTP CONNECT proxy, with proxy credentials', async () => {
    const cluster = (proxyUrl: string) => ({ server: kube.url, 'certificate-authority-data': b64(kube.caCert ?? ''), 'proxy-url': proxyUrl });
    const kubeconfig = writeKubeconfig(tempDir(), { cluster: cluster(`http://me:s%40cret@127.0.0.1:${proxyPort}`), user: { token: 'fake-token' } });
    expect(names(await kubeHttp(loadKubeAccess({ kubeconfig }, env)).request('GET', '/api/v1/namespaces'))).toContain('via-proxy');
    expect(connects.at(-1)).toEqual({ target: new URL(kube.url).host, auth: `Basic ${b64('me:s@cret')}` });
    const refused = writeKubeconfig(tempDir(), { cluster: cluster(`http://bad:guy@127.0.0.1:${proxyPort}`), user: { token: 'fake-token' } });
    const error = await failure(kubeHttp(loadKubeAccess({ kubeconfig: refused }, env)).request('GET', '/api/v1/namespaces'));
    expect((error as Error).message).toBe(`GET /api/v1/namespaces: proxy 127.0.0.1:${proxyPort}: CONNECT answered HTTP 407`);
    const socks = writeKubeconfig(tempDir(), { cluster: cluster(`socks5://127.0.0.1:${proxyPort}`), user: { token: 'fake-token' } });
    expect(() => loadKubeAccess({ kubeconfig: socks }, env)).toThrow(
      `kubeconfig ${socks}: clusters[0].cluster.proxy-url: must be an http or https proxy URL (socks5 proxies are not supported)`,
    );
  });
});

describe('HTTPS_PROXY and NO_PROXY (no proxy-url): as client-go, http.ProxyFromEnvironment', () => {
  let kube: FakeKubeApi;
  let proxy: FakeConnectProxy;
  const NAME = 'kube.internal.example';
  beforeAll(async () => {
    kube = await startFakeKubeApi({ tls: true, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'via-env-proxy' } }] });
    // The proxy reaches the API server under a name no resolver here knows: only a tunnel can get there.
    proxy = await startConnectProxy([{ host: NAME, port: Number(new URL(kube.url).port) }]);
  });
  afterAll(async () => {
    await proxy.close();
    await kube.close();
  });
  const port = (): string => new URL(kube.url).port;
  const kubeconfigFor = (server: string, extra: Record<string, unknown> = {}) =>
    writeKubeconfig(tempDir(), {
      cluster: { server, 'certificate-authority-data': b64(kube.caCert ?? ''), 'tls-server-name': 'localhost', ...extra },
      user: { token: 'fake-token' },
    });

  it('tunnels to an API server named in the kubeconfig through the operator\'s HTTPS_PROXY', async () => {
    proxy.reset();
    const kubeconfig = kubeconfigFor(`https://${NAME}:${port()}`);
    const list = await kubeHttp(loadKubeAccess({ kubeconfig }, { ...env, HTTPS_PROXY: proxy.url })).request('GET', '/api/v1/namespaces');
    expect(names(list)).toContain('via-env-proxy');
    expect(proxy.tunnels).toEqual([{ kind: 'connect', target: `${NAME}:${port()}` }]);
  });

  it('goes direct when NO_PROXY names the server (here the guard then refuses the unknown name), or it is loopback', async () => {
    proxy.reset();
    const named = kubeconfigFor(`https://${NAME}:${port()}`);
    const error = await failure(kubeHttp(loadKubeAccess({ kubeconfig: named }, { ...env, HTTPS_PROXY: proxy.url, NO_PROXY: '.example' })).request('GET', '/api/v1/namespaces'));
    expect((error as Error).message).toContain('loopback-only guard');
    const loopback = kubeconfigFor(kube.url);
    expect(names(await kubeHttp(loadKubeAccess({ kubeconfig: loopback }, { ...env, HTTPS_PROXY: proxy.url })).request('GET', '/api/v1/namespaces'))).toContain('via-env-proxy');
    expect(proxy.tunnels).toEqual([]);
  });

  it('a kubeconfig proxy-url wins over HTTPS_PROXY', async () => {
    proxy.reset();
    const kubeconfig = kubeconfigFor(`https://${NAME}:${port()}`, { 'proxy-url': proxy.url });
    const list = await kubeHttp(loadKubeAccess({ kubeconfig }, { ...env, HTTPS_PROXY: 'http://127.0.0.1:9' })).request('GET', '/api/v1/namespaces');
    expect(names(list)).toContain('via-env-proxy');
    expect(proxy.tunnels).toHaveLength(1);
  });
});

describe('errors', () => {
  let kube: FakeKubeApi;
  beforeAll(async () => {
    kube = await startFakeKubeApi();
  });
  afterAll(async () => kube.close());

  it('carry the HTTP status, the Status reason and Retry-After; network errors have status 0', async () => {
    const http = kubeHttp(loadKubeAccess({ kubeconfig: kube.kubeconfigPath }, env));
    kube.inject({ match: (req) => req.path === '/api/v1/namespaces', status: 429, reason: 'TooManyRequests', retryAfterSeconds: 7 });
    const throttled = await failure(http.request('GET', '/api/v1/namespaces'));
    expect(throttled).toMatchObject({ status: 429, reason: 'TooManyRequests', retryAfterSeconds: 7, action: 'GET /api/v1/namespaces' });
    expect((throttled as Error).message).toBe('GET /api/v1/namespaces: HTTP 429: fault injected: TooManyRequests');
    kube.inject({ match: (req) => req.path === '/api/v1/namespaces', status: 0, dropConnection: true });
    expect(await failure(http.request('GET', '/api/v1/namespaces'))).toMatchObject({ status: 0, reason: undefined });
  });
});

describe('the pagination loop', () => {
  let kube: FakeKubeApi;
  beforeAll(async () => {
    kube = await startFakeKubeApi({ generate: { namespaces: 25, podsPerNamespace: 0 } });
  });
  afterAll(async () => kube.close());

  it('lists page by page with metadata-only Accept, and restarts once when a continue token expires', async () => {
    const http = kubeHttp(loadKubeAccess({ kubeconfig: kube.kubeconfigPath }, env));
    kube.resetRequests();
    kube.inject({ match: (req) => req.query['continue'] !== undefined, status: 410, reason: 'Expired' });
    const seen: string[] = [];
    let restarts = 0;
    const rv = await listPages(
      http,
      '/api/v1/namespaces',
      { limit: 10, accept: METADATA_ONLY_ACCEPT, onRestart: () => ((restarts += 1), seen.splice(0)) },
      (items) => seen.push(...names({ items })),
    );
    expect(restarts).toBe(1);
    expect(seen).toHaveLength(new Set(seen).size);
    expect(seen.length).toBeGreaterThanOrEqual(25);
    expect(rv).toMatch(/^\d+$/);
    expect(kube.requests.every((req) => req.query['limit'] === '10' && req.accept === METADATA_ONLY_ACCEPT)).toBe(true);
    expect(kube.requests.map((req) => req.query['continue'] === undefined)).toEqual([true, false, true, false, false]);
  });

  it('gives up on a second expiry', async () => {
    const http = kubeHttp(loadKubeAccess({ kubeconfig: kube.kubeconfigPath }, env));
    kube.inject({ match: (req) => req.query['continue'] !== undefined, status: 410, reason: 'Expired', times: 2 });
    expect(await failure(listPages(http, '/api/v1/namespaces', { limit: 10 }, () => undefined))).toMatchObject({ status: 410 });
  });

  it('refuses a 200 that is not JSON or not a list, rather than reading it as an empty list', async () => {
    const answers = ['<html>proxy login</html>', '[]', '{"kind":"Status","items":"none"}'];
    let call = 0;
    const odd = http.createServer((_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(answers[call++ % answers.length]);
    });
    const port = await listen(odd);
    try {
      const kubeconfig = writeKubeconfig(tempDir(), { cluster: { server: `http://127.0.0.1:${port}` }, user: { token: 't' } });
      const client = kubeHttp(loadKubeAccess({ kubeconfig }, env));
      expect(await failure(listPages(client, '/api/v1/namespaces', { limit: 10 }, () => undefined))).toMatchObject({
        status: 0,
        message: 'GET /api/v1/namespaces: HTTP 200 with an answer that is not JSON',
      });
      for (let i = 0; i < 2; i++) {
        expect(await failure(listPages(client, '/api/v1/namespaces', { limit: 10 }, () => undefined))).toMatchObject({
          status: 0,
          message: 'GET /api/v1/namespaces: the answer is not a list (no items)',
        });
      }
    } finally {
      await new Promise<void>((resolve) => odd.close(() => resolve()));
    }
  });

  it('stops with an error when the server repeats a continue token', async () => {
    let calls = 0;
    const looping = http.createServer((_req: IncomingMessage, res: ServerResponse) => {
      calls++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'NamespaceList', metadata: { continue: calls % 2 === 0 ? 'A' : 'B' }, items: [] }));
    });
    const port = await listen(looping);
    try {
      const kubeconfig = writeKubeconfig(tempDir(), { cluster: { server: `http://127.0.0.1:${port}` }, user: { token: 't' } });
      const error = await failure(listPages(kubeHttp(loadKubeAccess({ kubeconfig }, env)), '/api/v1/namespaces', { limit: 10 }, () => undefined));
      expect(error).toMatchObject({ status: 0 });
      expect((error as Error).message).toBe('GET /api/v1/namespaces: the server sent a continue token it had already sent (after 2 pages); stopped rather than list for ever');
      expect(calls).toBe(3);
    } finally {
      await new Promise<void>((resolve) => looping.close(() => resolve()));
    }
  });
});
