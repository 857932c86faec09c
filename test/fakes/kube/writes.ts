// Write semantics of the fake apiserver: create / update / patch / delete with
// the server-managed metadata (uid, resourceVersion, generation,
// creationTimestamp), optimistic concurrency, the /status split, and
// namespace existence checks.

import { randomBytes, randomUUID } from 'node:crypto';
import { deepEqual, jsonPatch, mergePatch, PatchError } from './patch.js';
import { apiVersionOf, findByKind, RESOURCES, type ResourceDef } from './registry.js';
import type { Route } from './routes.js';
import type { ObjectStore } from './store.js';
import type { AdmissionHook, KubeObject } from './types.js';
import { asKubeObject, conflict, detailsOf, HttpError, isRecord, notFound, now, qualified } from './wire.js';

export const NAMESPACE_DEF = findByKind('v1', 'Namespace') as ResourceDef;

export const PATCH_TYPES = new Set(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);

function checkIdentity(def: ResourceDef, obj: KubeObject, route: Route): void {
  if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(def)) {
    throw new HttpError(400, `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(def)})`);
  }
  if (obj.kind !== undefined && obj.kind !== def.kind) throw new HttpError(400, `the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`);
  if (route.name !== undefined && obj.metadata.name !== undefined && obj.metadata.name !== route.name) {
    throw new HttpError(400, `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${route.name})`);
  }
  if (def.namespaced && obj.metadata.namespace !== undefined && obj.metadata.namespace !== route.namespace) {
    throw new HttpError(400, 'the namespace of the provided object does not match the namespace sent on the request');
  }
}

/** Status writes keep everything but status; main writes keep status when it has its own subresource. */
function splitStatus(def: ResourceDef, cur: KubeObject, next: KubeObject, statusWrite: boolean): KubeObject {
  if (statusWrite) {
    const out: KubeObject = { ...cur, metadata: { ...cur.metadata } };
    if (next.status === undefined) delete out.status;
    else out.status = next.status;
    return out;
  }
  if (def.subresources.includes('status')) {
    const out: KubeObject = { ...next };
    if (cur.status === undefined) delete out.status;
    else out.status = cur.status;
    return out;
  }
  return next;
}

/** Who makes an HTTP write, for admission; test-side writes (`put`, `remove`) have none and are not admitted. */
export interface Requester {
  username: string;
}

export class ObjectWriter {
  private readonly store: ObjectStore;
  private readonly requireNamespaces: boolean;
  private readonly admission: AdmissionHook | undefined;

  constructor(store: ObjectStore, requireNamespaces: boolean, admission?: AdmissionHook) {
    this.store = store;
    this.requireNamespaces = requireNamespaces;
    this.admission = admission;
  }

  /**
   * Validating admission: runs on the object as it would be stored, before the no-op check (the real server
   * admits no-op updates too); a denial is 403 Forbidden and nothing is written.
   */
  admit(route: Route, requester: Requester | undefined, object: KubeObject | null, oldObject: KubeObject | null, dryRun: boolean): void {
    if (!this.admission || !requester) return;
    const { def } = route;
    const subject = (object ?? oldObject)!;
    const denial = this.admission({
      operation: oldObject === null ? 'CREATE' : object === null ? 'DELETE' : 'UPDATE',
      group: def.group,
      version: def.version,
      resource: def.plural,
      kind: def.kind,
      ...(route.subresource !== undefined ? { subresource: route.subresource } : {}),
      ...(def.namespaced && route.namespace !== undefined ? { namespace: route.namespace } : {}),
      name: subject.metadata.name,
      object: object && structuredClone(object),
      oldObject: oldObject && structuredClone(oldObject),
      username: requester.username,
      dryRun,
    });
    if (denial !== undefined) throw new HttpError(403, `${qualified(def)} "${subject.metadata.name}" is forbidden: ${denial}`, 'Forbidden', detailsOf(def, subject.metadata.name));
  }

  /**
   * Stores `next` as the new state of an object (prev undefined: a create),
   * filling the server-managed metadata. An update that changes nothing is a
   * no-op, like on the real server: no new resourceVersion, no watch event.
   */
  private commit(route: Route, next: KubeObject, prev: KubeObject | undefined, dryRun: boolean, requester: Requester | undefined): KubeObject {
    const { def } = route;
    const o = structuredClone(next);
    o.apiVersion = apiVersionOf(def);
    o.kind = def.kind;
    if (!def.namespaced) delete o.metadata.namespace;
    if (prev) {
      o.metadata.uid = prev.metadata.uid;
      o.metadata.creationTimestamp = prev.metadata.creationTimestamp;
      const gen = prev.metadata.generation ?? 1;
      o.metadata.generation = deepEqual(prev.spec, o.spec) ? gen : gen + 1;
      o.metadata.resourceVersion = prev.metadata.resourceVersion;
      this.admit(route, requester, o, prev, dryRun);
      if (deepEqual(o, prev)) return structuredClone(prev);
    } else {
      o.metadata.uid = randomUUID();
      o.metadata.creationTimestamp = now();
      o.metadata.generation = 1;
      this.admit(route, requester, o, null, dryRun);
    }
    if (dryRun) return o;
    o.metadata.resourceVersion = String(this.store.nextRv());
    this.store.write(def, o);
    return structuredClone(o);
  }

  /** Test-side create-or-replace: trusts the caller (status kept, no checks) but still bumps resourceVersion. */
  put(def: ResourceDef, obj: KubeObject): KubeObject {
    if (def.namespaced && !obj.metadata.namespace) throw new Error(`fake kube-apiserver: ${def.kind} ${obj.metadata.name} needs metadata.namespace`);
    const prev = this.store.getRaw(def, def.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
    const o = structuredClone(obj);
    if (!def.namespaced) delete o.metadata.namespace;
    o.metadata.uid ??= prev?.metadata.uid ?? randomUUID();
    o.metadata.creationTimestamp ??= prev?.metadata.creationTimestamp ?? now();
    // An explicit generation wins unless it is just the one copied from the stored object.
    if (!prev) o.metadata.generation ??= 1;
    else if (o.metadata.generation === undefined || o.metadata.generation === prev.metadata.generation) {
      const gen = prev.metadata.generation ?? 1;
      o.metadata.generation = deepEqual(prev.spec, o.spec) ? gen : gen + 1;
    }
    o.metadata.resourceVersion = String(this.store.nextRv());
    this.store.write(def, o);
    return structuredClone(o);
  }

  remove(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    const ev = this.store.delete(def, namespace, name);
    // Namespace deletion cascades at once (the real one goes through Terminating first).
    if (ev && def === NAMESPACE_DEF) {
      for (const d of RESOURCES) {
        if (!d.namespaced) continue;
        const { keys, start, end } = this.store.table(d).range(name);
        for (const key of keys.slice(start, end)) this.store.delete(d, name, key.slice(name.length + 1));
      }
    }
    return ev?.object;
  }

  existing(route: Route): KubeObject {
    const cur = this.store.getRaw(route.def, route.namespace, route.name ?? '');
    if (!cur) throw notFound(route.def, route.name ?? '');
    return cur;
  }

  create(route: Route, body: unknown, dryRun: boolean, requester?: Requester): KubeObject {
    const { def } = route;
    const obj = asKubeObject(body, 'create');
    checkIdentity(def, obj, route);
    if (obj.metadata.name === undefined && typeof obj.metadata.generateName === 'string') {
      obj.metadata.name = obj.metadata.generateName + randomBytes(4).toString('hex').slice(0, 5);
    }
    if (typeof obj.metadata.name !== 'string' || obj.metadata.name === '') {
      throw new HttpError(422, `${def.kind} "" is invalid: metadata.name: Required value: name or generateName is required`, 'Invalid');
    }
    if (def.namespaced) {
      obj.metadata.namespace = route.namespace;
      if (this.requireNamespaces && route.namespace !== undefined && !this.store.getRaw(NAMESPACE_DEF, undefined, route.namespace)) {
        throw notFound(NAMESPACE_DEF, route.namespace);
      }
    }
    if (this.store.getRaw(def, route.namespace, obj.metadata.name)) {
      throw new HttpError(409, `${qualified(def)} "${obj.metadata.name}" already exists`, 'AlreadyExists', detailsOf(def, obj.metadata.name));
    }
    // Status is written through /status only; a create starts without it.
    if (def.subresources.includes('status')) delete obj.status;
    delete obj.metadata.resourceVersion;
    return this.commit(route, obj, undefined, dryRun, requester);
  }

  replace(route: Route, body: unknown, dryRun: boolean, requester?: Requester): KubeObject {
    const cur = this.existing(route);
    const obj = asKubeObject(body, 'update');
    checkIdentity(route.def, obj, route);
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== cur.metadata.resourceVersion) throw conflict(route.def, cur.metadata.name);
    obj.metadata.name = cur.metadata.name;
    if (route.def.namespaced) obj.metadata.namespace = route.namespace;
    return this.commit(route, splitStatus(route.def, cur, obj, route.subresource === 'status'), cur, dryRun, requester);
  }

  patch(route: Route, body: unknown, contentType: string, query: Record<string, string>, dryRun: boolean, requester?: Requester): { code: number; obj: KubeObject } {
    const ct = contentType.split(';')[0]?.trim() ?? '';
    if (ct === 'application/apply-patch+yaml') {
      if (!query.fieldManager) throw new HttpError(400, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      if (!isRecord(body) || typeof body.apiVersion !== 'string' || typeof body.kind !== 'string') {
        throw new HttpError(400, 'apply patch must be an object with apiVersion and kind set');
      }
      if (!this.store.getRaw(route.def, route.namespace, route.name ?? '')) {
        if (route.subresource === 'status') throw notFound(route.def, route.name ?? '');
        const obj = asKubeObject(body, 'apply');
        checkIdentity(route.def, obj, route);
        obj.metadata.name = route.name ?? '';
        return { code: 201, obj: this.create(route, obj, dryRun, requester) };
      }
    }
    const cur = this.existing(route);
    let patched: unknown;
    try {
      switch (ct) {
        case 'application/merge-patch+json':
        case 'application/strategic-merge-patch+json': // list merge keys are not modelled: treated as a merge patch
        case 'application/apply-patch+yaml': // applied object merged over the live one; field ownership not modelled
          patched = mergePatch(cur, body);
          break;
        case 'application/json-patch+json':
          patched = jsonPatch(cur, body);
          break;
        default:
          throw new HttpError(415, `unsupported patch type ${JSON.stringify(contentType)}`);
      }
    } catch (e) {
      if (e instanceof PatchError) throw new HttpError(422, `the server rejected our request due to an error in our request: ${e.message}`, 'Invalid');
      throw e;
    }
    const next = asKubeObject(patched, 'patch');
    checkIdentity(route.def, next, route);
    if (next.metadata.resourceVersion !== undefined && next.metadata.resourceVersion !== cur.metadata.resourceVersion) throw conflict(route.def, cur.metadata.name);
    next.metadata.name = cur.metadata.name;
    if (route.def.namespaced) next.metadata.namespace = route.namespace;
    return { code: 200, obj: this.commit(route, splitStatus(route.def, cur, next, route.subresource === 'status'), cur, dryRun, requester) };
  }
}
