// HTTP front of the fake apiserver: auth, fault injection, dispatch to the
// writer (./writes.ts), list pagination and watch streams, and the test-side
// FakeKubeApi handle.

import { mkdtempSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { selfSignedCert } from '../tls.js';
import { generatedNamespace, generatedPod } from './generate.js';
import { writeKubeconfigFile } from './kubeconfig.js';
import { apiVersionOf, findByKind, RESOURCES, type ResourceDef } from './registry.js';
import { resolvePath, type Route } from './routes.js';
import { type Matcher, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import { ObjectStore, type StoreEvent, upperBound } from './store.js';
import type { Fault, FakeKubeApi, KubeconfigOptions, KubeObject, RecordedRequest, StartOptions } from './types.js';
import { decodeContinue, encodeContinue, expired, HttpError, isRecord, now, parseRv, REASONS, statusBody, toPartial, wantsPartial } from './wire.js';
import { ObjectWriter, PATCH_TYPES, type Requester } from './writes.js';

const NOT_FOUND_PATH = 'the server could not find the requested resource';
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

interface WatchConn {
  def: ResourceDef;
  res: ServerResponse;
  deliver: (ev: StoreEvent) => void;
  stop: () => void;
}

export async function startFakeKubeApi(opts: StartOptions = {}): Promise<FakeKubeApi> {
  const tokens = new Set(opts.tokens ?? ['fake-token']);
  const bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 1000;
  const store = new ObjectStore(opts.maxHistory ?? 100_000);
  const requests: RecordedRequest[] = [];
  const faults: { fault: Fault; remaining: number }[] = [];
  const watches = new Set<WatchConn>();

  store.subscribe((ev) => {
    for (const w of watches) if (w.def === ev.def) w.deliver(ev);
  });

  // ---- seeding -----------------------------------------------------------
  const writer = new ObjectWriter(store, { garbageCollection: opts.garbageCollection ?? true, admission: opts.admission });
  const seedTs = now();
  const seed = (obj: KubeObject, generated: boolean): void => {
    const def = findByKind(obj.apiVersion, obj.kind);
    if (!def) throw new Error(`fake kube-apiserver: no resource registered for ${obj.apiVersion} ${obj.kind}`);
    writer.seed(def, obj, seedTs, generated);
  };
  if (opts.generate) {
    for (let i = 0; i < opts.generate.namespaces; i++) {
      seed(generatedNamespace(i), true);
      for (let j = 0; j < opts.generate.podsPerNamespace; j++) seed(generatedPod(i, j), true);
    }
  }
  for (const obj of opts.objects ?? []) seed(obj, false);
  writer.checkSeededNamespaces();
  for (const def of RESOURCES) store.table(def).sortedKeys(); // sort once now, not on the first list

  const users = opts.users ?? {};

  // ---- reads -------------------------------------------------------------
  function matcher(def: ResourceDef, query: Record<string, string>, namespace: string | undefined): Matcher {
    const label = parseLabelSelector(query.labelSelector);
    const field = parseFieldSelector(query.fieldSelector, ['metadata.name', 'metadata.namespace', ...(def.extraFields ?? [])]);
    return (o) => (namespace === undefined || o.metadata.namespace === namespace) && (!label || label(o)) && (!field || field(o));
  }

  function list(route: Route, query: Record<string, string>, partial: boolean): unknown {
    const { def, namespace } = route;
    const matches = matcher(def, query, namespace);
    const filtered = Boolean(query.labelSelector || query.fieldSelector);
    const rv = parseRv(query.resourceVersion);
    if (rv !== undefined && rv < store.compactedRv) throw expired(rv, store.compactedRv);
    const limit = query.limit === undefined || query.limit === '' ? 0 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new HttpError(400, `limit: Invalid value: ${JSON.stringify(query.limit)}`);
    const cont = query.continue ? decodeContinue(query.continue) : undefined;
    if (cont && cont.rv < store.compactedRv) {
      throw new HttpError(410, 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.', 'Expired');
    }
    // Pages after the first are read from the live state, not a snapshot at
    // the first page's resourceVersion; good enough for tests.
    const table = store.table(def);
    const { keys, start, end } = table.range(namespace);
    let i = cont ? Math.max(start, upperBound(keys, cont.start)) : start;
    const items: unknown[] = [];
    for (; i < end && (limit === 0 || items.length < limit); i++) {
      const o = table.objects.get(keys[i] ?? '');
      if (o && matches(o)) items.push(partial ? toPartial(o) : o);
    }
    const listRv = cont ? cont.rv : store.currentRv();
    const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (limit > 0 && i < end) {
      metadata.continue = encodeContinue(listRv, keys[i - 1] ?? '');
      if (!filtered) metadata.remainingItemCount = end - i;
    }
    return partial
      ? { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items }
      : { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata, items };
  }

  function watch(route: Route, query: Record<string, string>, partial: boolean, res: ServerResponse): void {
    const { def, namespace } = route;
    const matches = matcher(def, query, namespace); // throws 400 before any header is sent
    const rv = parseRv(query.resourceVersion);
    const timeoutSeconds = query.timeoutSeconds ? Number(query.timeoutSeconds) : 0;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    // client-node's Watch resolves only once headers arrive; without this an idle watch looks hung.
    res.flushHeaders();
    const send = (type: string, object: unknown): void => {
      if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
    };
    const sendObj = (type: string, o: KubeObject): void => send(type, partial ? toPartial(o) : o);

    if (rv === undefined) {
      // No resourceVersion (or "0"): start with synthetic ADDED events for the current state.
      const table = store.table(def);
      const { keys, start, end } = table.range(namespace);
      for (let i = start; i < end; i++) {
        const o = table.objects.get(keys[i] ?? '');
        if (o && matches(o)) sendObj('ADDED', o);
      }
    }
    const backlog = rv === undefined ? [] : store.eventsSince(rv);
    if (backlog === undefined) {
      // The real server answers a too-old watch with 200 and one ERROR event, then closes.
      const e = expired(rv ?? 0, store.compactedRv);
      send('ERROR', statusBody(e.code, e.message, e.reason));
      res.end();
      return;
    }

    const timers: NodeJS.Timeout[] = [];
    const conn: WatchConn = {
      def,
      res,
      deliver: (ev) => {
        const inAfter = matches(ev.object);
        const inBefore = ev.prev ? matches(ev.prev) : false;
        if (ev.type === 'ADDED' && inAfter) sendObj('ADDED', ev.object);
        else if (ev.type === 'MODIFIED') {
          // Selector watches see objects entering/leaving the selection as ADDED/DELETED.
          if (inAfter && inBefore) sendObj('MODIFIED', ev.object);
          else if (inAfter) sendObj('ADDED', ev.object);
          else if (inBefore) sendObj('DELETED', ev.object);
        } else if (ev.type === 'DELETED' && (inAfter || inBefore)) sendObj('DELETED', ev.object);
      },
      stop: () => {
        for (const t of timers) clearTimeout(t);
        watches.delete(conn);
      },
    };
    for (const ev of backlog) if (ev.def === def) conn.deliver(ev);
    watches.add(conn);
    res.on('close', conn.stop);
    if (timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), timeoutSeconds * 1000));
    if (query.allowWatchBookmarks === 'true' && bookmarkIntervalMs > 0) {
      const bookmark = (): void => {
        const metadata = { resourceVersion: String(store.currentRv()) };
        send('BOOKMARK', partial ? { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata } : { kind: def.kind, apiVersion: apiVersionOf(def), metadata });
      };
      timers.push(setInterval(bookmark, bookmarkIntervalMs));
    }
  }

  // ---- TokenRequest ------------------------------------------------------
  /**
   * POST .../serviceaccounts/<name>/token (pkg/registry/core/serviceaccount/storage/token.go): the ServiceAccount must
   * exist; SetDefaults_TokenRequestSpec gives 3600 s and the API server's own audience; ValidateTokenRequest refuses
   * less than 10 minutes; admission sees the TokenRequest as a CREATE of the `token` subresource. The token is an
   * unsigned JWT with the claims a verifier reads (iss, sub, aud, exp).
   */
  function tokenRequest(route: Route, body: unknown, requester: Requester | undefined): unknown {
    const account = writer.existing({ ...route, subresource: undefined } as Route);
    const spec = isRecord(body) && isRecord(body['spec']) ? body['spec'] : {};
    const audiences = Array.isArray(spec['audiences']) && spec['audiences'].length > 0 ? spec['audiences'].map(String) : ['https://kubernetes.default.svc.cluster.local'];
    const seconds = typeof spec['expirationSeconds'] === 'number' ? spec['expirationSeconds'] : 3600;
    if (seconds < 600) {
      throw new HttpError(422, `TokenRequest.authentication.k8s.io "${account.metadata.name}" is invalid: spec.expirationSeconds: Invalid value: ${seconds}: may not specify a duration less than 10 minutes`, 'Invalid');
    }
    const request: KubeObject = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: account.metadata.name, namespace: account.metadata.namespace, creationTimestamp: null as unknown as string },
      spec: { ...spec, audiences, expirationSeconds: seconds },
    };
    writer.admit(route, requester, request, null, false);
    const exp = Math.floor(Date.now() / 1000) + seconds;
    const sub = `system:serviceaccount:${account.metadata.namespace}:${account.metadata.name}`;
    const claims = { iss: 'https://kubernetes.default.svc.cluster.local', sub, aud: audiences, exp, 'kubernetes.io': { namespace: account.metadata.namespace, serviceaccount: { name: account.metadata.name, uid: account.metadata.uid } } };
    const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.fake-signature`;
    issuedTokens.push({ namespace: String(account.metadata.namespace), serviceAccount: account.metadata.name, audiences, expirationSeconds: seconds });
    return { ...request, status: { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') } };
  }
  const issuedTokens: FakeKubeApi['issuedTokens'] = [];

  // ---- HTTP --------------------------------------------------------------
  let serverAddress = '127.0.0.1:0';

  const sendJson = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };
  const sendError = (res: ServerResponse, e: HttpError, headers: Record<string, string> = {}): void =>
    sendJson(res, e.code, statusBody(e.code, e.message, e.reason, e.details), headers);

  function takeFault(req: RecordedRequest): Fault | undefined {
    for (let i = 0; i < faults.length; i++) {
      const f = faults[i];
      if (!f || !f.fault.match(req)) continue;
      if (--f.remaining <= 0) faults.splice(i, 1);
      return f.fault;
    }
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const contentType = req.headers['content-type'];
    const accept = req.headers.accept;
    let body: unknown;
    let bodyOk = true;
    if (text !== '') {
      try {
        body = contentType?.includes('yaml') ? YAML.parse(text) : JSON.parse(text);
      } catch {
        body = text;
        bodyOk = false;
      }
    }
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      query,
      ...(accept !== undefined ? { accept } : {}),
      ...(contentType !== undefined ? { contentType } : {}),
      ...(body !== undefined ? { body } : {}),
    };
    requests.push(recorded);

    const fault = takeFault(recorded);
    if (fault) {
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.dropConnection) {
        req.socket.destroy();
        return;
      }
      if (fault.status >= 400) {
        const retry = fault.retryAfterSeconds;
        const e = new HttpError(fault.status, `fault injected: ${fault.reason ?? REASONS[fault.status] ?? 'error'}`, fault.reason, retry !== undefined ? { retryAfterSeconds: retry } : undefined);
        sendError(res, e, retry !== undefined ? { 'Retry-After': String(retry) } : {});
        return;
      }
    }

    let requester: Requester | undefined;
    if (!PUBLIC_PATHS.has(url.pathname)) {
      const auth = req.headers.authorization ?? '';
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      const token = m?.[1]?.trim() ?? '';
      if (!m || !tokens.has(token)) throw new HttpError(401, 'Unauthorized');
      requester = { username: users[token] ?? 'fake-user' };
    }
    if (method === 'PATCH' && !PATCH_TYPES.has(contentType?.split(';')[0]?.trim() ?? '')) {
      throw new HttpError(415, `the body of the request was in an unknown format - accepted media types include: ${[...PATCH_TYPES].join(', ')}`);
    }
    if (!bodyOk) throw new HttpError(400, `the request body could not be decoded as ${contentType ?? 'JSON'}`);

    if (url.pathname === '/version') {
      sendJson(res, 200, { major: '1', minor: '31', gitVersion: 'v1.31.0-fake', platform: 'linux/amd64', goVersion: 'go1.22.0', compiler: 'gc' });
      return;
    }
    if (PUBLIC_PATHS.has(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    const segs = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const resolved = resolvePath(segs, serverAddress);
    if (resolved.kind === 'none') throw new HttpError(404, NOT_FOUND_PATH);
    if (resolved.kind === 'doc') {
      if (method !== 'GET') throw new HttpError(405, `method ${method} not allowed`);
      sendJson(res, 200, resolved.body);
      return;
    }
    const { route } = resolved;
    const partial = wantsPartial(accept);
    const dryRun = query.dryRun === 'All';
    if (route.subresource !== undefined && !route.def.subresources.includes(route.subresource)) throw new HttpError(404, NOT_FOUND_PATH);

    if (route.name === undefined) {
      // Collection: list / watch / create / deletecollection.
      if (method === 'GET') {
        if (query.watch === 'true' || query.watch === '1') watch(route, query, partial, res);
        else sendJson(res, 200, list(route, query, partial));
      } else if (method === 'POST') {
        if (route.def.namespaced && route.namespace === undefined) throw new HttpError(405, `POST is not allowed on the cluster-wide ${route.def.plural} collection`);
        sendJson(res, 201, writer.create(route, body, dryRun, requester));
      } else if (method === 'DELETE') {
        writer.deleteCollection(route, matcher(route.def, query, route.namespace), body, query, requester);
        sendJson(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' });
      } else throw new HttpError(405, `method ${method} not allowed`);
      return;
    }

    if (route.subresource === 'token') {
      if (method !== 'POST') throw new HttpError(405, `method ${method} not allowed`);
      sendJson(res, 201, tokenRequest(route, body, requester));
      return;
    }

    switch (method) {
      case 'GET': {
        const cur = writer.existing(route);
        sendJson(res, 200, partial ? toPartial(cur) : cur);
        return;
      }
      case 'PUT':
        sendJson(res, 200, writer.replace(route, body, dryRun, requester));
        return;
      case 'PATCH': {
        const { code, obj } = writer.patch(route, body, contentType ?? '', query, dryRun, requester);
        sendJson(res, code, obj);
        return;
      }
      case 'DELETE':
        sendJson(res, 200, writer.delete(route, body, query, requester));
        return;
      default:
        throw new HttpError(405, `method ${method} not allowed`);
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendError(res, err);
      else if (err instanceof SelectorError) sendError(res, new HttpError(400, err.message));
      else sendError(res, new HttpError(500, `fake kube-apiserver bug: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
    });
  };

  const cert = opts.tls ? selfSignedCert() : undefined;
  const server = cert ? https.createServer({ key: cert.key, cert: cert.cert }, onRequest) : http.createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  serverAddress = `127.0.0.1:${port}`;
  const url = `${cert ? 'https' : 'http'}://${serverAddress}`;

  const writeKubeconfig = (dir: string, kopts: KubeconfigOptions = {}): string => writeKubeconfigFile(dir, url, cert?.cert, kopts);

  const tmp = mkdtempSync(join(tmpdir(), 'fake-kube-'));
  const kubeconfigPath = writeKubeconfig(tmp);

  const lookup = (apiVersion: string, kind: string): ResourceDef => {
    const def = findByKind(apiVersion, kind);
    if (!def) throw new Error(`fake kube-apiserver: no resource registered for ${apiVersion} ${kind}`);
    return def;
  };
  const closeWatches = (copts: { abrupt?: boolean } = {}): void => {
    for (const w of [...watches]) {
      w.stop();
      if (copts.abrupt) w.res.destroy();
      else w.res.end();
    }
  };
  let closed: Promise<void> | undefined;

  return {
    url,
    tls: cert !== undefined,
    ...(cert ? { caCert: cert.cert } : {}),
    kubeconfigPath,
    writeKubeconfig,
    requests,
    issuedTokens,
    resetRequests: () => {
      requests.length = 0;
    },
    put(obj) {
      return writer.put(lookup(obj.apiVersion, obj.kind), obj);
    },
    remove(apiVersion, kind, name, namespace) {
      const def = lookup(apiVersion, kind);
      writer.remove(def, def.namespaced ? namespace : undefined, name);
    },
    get(apiVersion, kind, name, namespace) {
      const def = lookup(apiVersion, kind);
      const o = store.getRaw(def, def.namespaced ? namespace : undefined, name);
      return o ? structuredClone(o) : undefined;
    },
    list(apiVersion, kind, namespace) {
      const def = lookup(apiVersion, kind);
      const table = store.table(def);
      const { keys, start, end } = table.range(def.namespaced ? namespace : undefined);
      return keys.slice(start, end).flatMap((k) => {
        const o = table.objects.get(k);
        return o ? [structuredClone(o)] : [];
      });
    },
    inject(fault) {
      faults.push({ fault, remaining: fault.times ?? 1 });
    },
    clearFaults: () => {
      faults.length = 0;
    },
    closeWatches,
    openWatches: () => watches.size,
    compactHistory: () => store.compact(),
    resourceVersion: () => String(store.currentRv()),
    close() {
      closed ??= (async () => {
        closeWatches({ abrupt: true });
        writer.close();
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await done;
        rmSync(tmp, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}
