// An in-memory KubeHttp for unit tests of the controller: no socket, no wall clock. It answers the calls the
// controller makes (list, watch, create, merge patch, delete with preconditions, status patch, events) with the
// API server's status codes for the cases the controller relies on (404, 409 AlreadyExists and Conflict), streams
// watch events after the answer (one macrotask later), and fails requests on demand. The loopback fake (test/fakes/kube) is the strict one:
// controller integration tests go through it; these tests are about decisions and their application.
import { KubeApiError, type KubeHttp, type RequestOptions, type WatchEvent } from '../../src/adapters/kube/kube-http.js';
import { mergePatch } from './kube/patch.js';
import { parseFieldSelector, parseLabelSelector } from './kube/selectors.js';
import type { KubeObject } from './kube/types.js';

export interface MemoryRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

interface Failure {
  readonly match: (request: MemoryRequest) => boolean;
  readonly status: number;
  readonly retryAfterSeconds?: number;
  times: number;
}

interface Route {
  readonly collection: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly status: boolean;
}

/** `/api/v1/namespaces/a/secrets/b` -> collection `secrets`, namespace `a`, name `b`. */
function route(path: string): Route {
  const parts = path.replace(/^\/apis?\/(v1|[^/]+\/[^/]+)\//, '').split('/').map(decodeURIComponent);
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    namespace = parts[1];
    parts.splice(0, 2);
  }
  return { collection: parts[0] ?? '', namespace, name: parts[1], status: parts[2] === 'status' };
}

const keyOf = (collection: string, namespace: string | undefined, name: string): string => `${collection}/${namespace ?? ''}/${name}`;

export class MemoryKube implements KubeHttp {
  readonly server = 'memory://cluster';
  readonly requests: MemoryRequest[] = [];
  readonly #objects = new Map<string, KubeObject>();
  readonly #watchers = new Set<{ collection: string; namespace: string | undefined; since: number; matches: (object: KubeObject) => boolean; onEvent: (event: WatchEvent) => void }>();
  readonly #failures: Failure[] = [];
  #version = 1;
  #uids = 0;
  /** Called with every request before it is answered: a test can move its clock there (a slow API server). */
  onRequest: ((request: MemoryRequest) => void) | undefined;

  constructor(objects: readonly KubeObject[] = []) {
    for (const object of objects) this.put(object);
  }

  /** Test-side create or replace (no admission, no conflict check); watchers see it. */
  put(object: KubeObject): KubeObject {
    const collection = collectionOf(object);
    const key = keyOf(collection, object.metadata.namespace, object.metadata.name);
    const previous = this.#objects.get(key);
    const stored: KubeObject = structuredClone({
      ...object,
      metadata: { ...object.metadata, uid: object.metadata.uid ?? previous?.metadata.uid ?? `uid-${++this.#uids}`, resourceVersion: String(++this.#version), generation: object.metadata.generation ?? 1 },
    });
    this.#objects.set(key, stored);
    this.#emit(previous ? 'MODIFIED' : 'ADDED', collection, stored);
    return structuredClone(stored);
  }

  remove(collection: string, namespace: string | undefined, name: string): void {
    const key = keyOf(collection, namespace, name);
    const previous = this.#objects.get(key);
    if (!previous) return;
    this.#objects.delete(key);
    this.#emit('DELETED', collection, { ...previous, metadata: { ...previous.metadata, resourceVersion: String(++this.#version) } });
  }

  get(collection: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const object = this.#objects.get(keyOf(collection, namespace, name));
    return object && structuredClone(object);
  }

  /** The next `times` requests matching `match` fail with `status`. */
  fail(match: (request: MemoryRequest) => boolean, status: number, times = 1, retryAfterSeconds?: number): void {
    this.#failures.push({ match, status, times, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
  }

  /** The writes made through the client (not test-side puts), as `METHOD path`. */
  writes(): string[] {
    return this.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path}`);
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const request: MemoryRequest = { method, path, ...(options.body === undefined ? {} : { body: structuredClone(options.body) }) };
    this.requests.push(request);
    this.onRequest?.(request);
    const failure = this.#failures.find((entry) => entry.times > 0 && entry.match(request));
    if (failure) {
      failure.times--;
      throw new KubeApiError(`${method} ${path}`, `HTTP ${failure.status}: injected`, failure.status, undefined, failure.retryAfterSeconds);
    }
    const at = route(path);
    const notFound = (): KubeApiError => new KubeApiError(`${method} ${path}`, 'HTTP 404: not found', 404, 'NotFound', undefined);
    const conflict = (reason: string): KubeApiError => new KubeApiError(`${method} ${path}`, `HTTP 409: ${reason}`, 409, reason, undefined);
    if (method === 'GET' && at.name === undefined) return this.#list(at, options);
    if (method === 'GET') return this.get(at.collection, at.namespace, at.name!) ?? Promise.reject(notFound());
    if (method === 'POST') {
      const object = options.body as KubeObject;
      const namespace = at.namespace ?? object.metadata.namespace;
      if (this.#objects.has(keyOf(at.collection, namespace, object.metadata.name))) throw conflict('AlreadyExists');
      return this.put({ ...object, metadata: { ...object.metadata, namespace, uid: undefined } as KubeObject['metadata'] });
    }
    const current = this.get(at.collection, at.namespace, at.name!);
    if (!current) throw notFound();
    if (method === 'PATCH') {
      const body = (at.status ? { status: (options.body as { status: unknown }).status } : options.body) as KubeObject;
      const wanted = body.metadata?.resourceVersion;
      if (wanted !== undefined && wanted !== current.metadata.resourceVersion) throw conflict('Conflict');
      const next = mergePatch(current, body) as KubeObject;
      return this.put({ ...next, metadata: { ...next.metadata, uid: current.metadata.uid } });
    }
    if (method === 'DELETE') {
      const preconditions = (options.body as { preconditions?: { uid?: string; resourceVersion?: string } } | undefined)?.preconditions;
      if (preconditions?.uid !== undefined && preconditions.uid !== current.metadata.uid) throw conflict('Conflict');
      if (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== current.metadata.resourceVersion) throw conflict('Conflict');
      this.remove(at.collection, at.namespace, at.name!);
      return { kind: 'Status', status: 'Success' };
    }
    throw new KubeApiError(`${method} ${path}`, 'HTTP 405', 405, undefined, undefined);
  }

  /** Watches stream until aborted. */
  watch(path: string, options: RequestOptions, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    const at = route(path);
    this.requests.push({ method: 'WATCH', path });
    // Like the API server, a watch starts after the resourceVersion it names: no event it has seen in the list.
    const since = Number(options.query?.['resourceVersion'] ?? this.#version);
    const watcher = { collection: at.collection, namespace: at.namespace, since, matches: this.#matcher(options), onEvent };
    this.#watchers.add(watcher);
    return new Promise((resolve) => {
      const stop = (): void => {
        this.#watchers.delete(watcher);
        resolve();
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
  }

  #list(at: Route, options: RequestOptions): unknown {
    const matches = this.#matcher(options);
    const items = [...this.#objects.entries()]
      .filter(([key]) => key.startsWith(`${at.collection}/${at.namespace === undefined ? '' : `${at.namespace}/`}`))
      .map(([, object]) => object)
      .filter(matches);
    return { kind: 'List', metadata: { resourceVersion: String(this.#version) }, items: structuredClone(items) };
  }

  #matcher(options: RequestOptions): (object: KubeObject) => boolean {
    const labels = parseLabelSelector(options.query?.['labelSelector']);
    const fields = parseFieldSelector(options.query?.['fieldSelector'], ['metadata.name', 'metadata.namespace']);
    return (object) => (labels?.(object) ?? true) && (fields?.(object) ?? true);
  }

  /** Watch events travel on their own connection: they arrive after the answer to the write that caused them. */
  #emit(type: string, collection: string, object: KubeObject): void {
    const copy = structuredClone(object);
    setImmediate(() => this.#deliver(type, collection, copy));
  }

  #deliver(type: string, collection: string, object: KubeObject): void {
    for (const watcher of [...this.#watchers]) {
      if (watcher.collection !== collection || (watcher.namespace !== undefined && watcher.namespace !== object.metadata.namespace)) continue;
      if (Number(object.metadata.resourceVersion) <= watcher.since) continue;
      if (watcher.matches(object)) watcher.onEvent({ type, object: structuredClone(object) });
      else if (type === 'MODIFIED') watcher.onEvent({ type: 'DELETED', object: structuredClone(object) }); // left the selection
    }
  }
}

function collectionOf(object: KubeObject): string {
  const plural: Record<string, string> = { Secret: 'secrets', ServiceAccount: 'serviceaccounts', Namespace: 'namespaces', Pod: 'pods', ImagePullSecret: 'imagepullsecrets', Event: 'events' };
  const collection = plural[String(object.kind)];
  if (!collection) throw new Error(`memory kube: no collection for kind ${String(object.kind)}`);
  return collection;
}
