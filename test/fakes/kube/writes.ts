// Write semantics of the fake apiserver, in the order the real one applies them
// (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/{create,update,patch,delete}.go, then
// staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go):
//   decode (400) -> admission: NamespaceLifecycle (404/403) -> rest.BeforeCreate / BeforeUpdate: the type's
//   strategy (422) then the generic ObjectMeta checks every type gets (422) -> validating admission (a test's hook,
//   403) -> storage: AlreadyExists / Conflict (409).
// Server-managed metadata (uid, resourceVersion, creationTimestamp, generation for types that keep it) is filled
// here; the /status split, optimistic concurrency, DeleteOptions and garbage collection too.

import { randomInt, randomUUID } from 'node:crypto';
import { checkPreconditions, type DeleteOptions, parseDeleteOptions } from './delete-options.js';
import { invalid, invalidError, throwIfInvalid } from './field-errors.js';
import { GarbageCollector } from './garbage-collector.js';
import { validatePathSegmentName } from './k8s-names.js';
import { admitNamespaced, admitNamespaceDelete } from './namespace-lifecycle.js';
import { validateObjectMeta } from './object-meta.js';
import { deepEqual, jsonPatch, mergePatch, PatchError } from './patch.js';
import { patchMetaFor } from './patch-meta.js';
import { apiVersionOf, findByKind, RESOURCES, type ResourceDef } from './registry.js';
import type { Route } from './routes.js';
import type { ObjectStore } from './store.js';
import { strategicMergePatch } from './strategic-merge.js';
import { DecodeError } from './strategies/decode.js';
import { strategyFor } from './strategies/index.js';
import { prepareStoredNamespace } from './strategies/namespace.js';
import type { AdmissionHook, KubeObject } from './types.js';
import { asKubeObject, conflict, detailsOf, HttpError, isRecord, notFound, now, qualified } from './wire.js';

export const NAMESPACE_DEF = findByKind('v1', 'Namespace') as ResourceDef;

export const PATCH_TYPES = new Set(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml']);
/** Custom resources have no Go struct tags, hence no strategic merge patch (apiextensions-apiserver's handler). */
const CUSTOM_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

const isCustom = (def: ResourceDef): boolean => def.group === 'images.banzaicloud.io';

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
    const out: KubeObject = { ...cur, metadata: { ...next.metadata } };
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

/** names.SimpleNameGenerator: the prefix cut to 58 characters, then 5 random characters of this alphabet. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function generateName(base: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return `${base.length > 58 ? base.slice(0, 58) : base}${suffix}`;
}

/** The StorageError a uid precondition of an update ends in (store.Update via storage.Preconditions.Check). */
function uidConflict(def: ResourceDef, namespace: string | undefined, name: string, want: string, have: string): HttpError {
  const key = `/registry/${def.group ? `${def.group}/` : ''}${def.plural}/${namespace ? `${namespace}/` : ''}${name}`;
  return new HttpError(
    409,
    `Operation cannot be fulfilled on ${qualified(def)} "${name}": StorageError: invalid object, Code: 4, Key: ${key}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${want}, UID in object meta: ${have}`,
    'Conflict',
    detailsOf(def, name),
  );
}

/** How long a deleted namespace stays Terminating before the namespace controller has emptied and removed it. */
const NAMESPACE_FINALIZE_MS = 500;

export interface WriterOptions {
  garbageCollection: boolean;
  admission?: AdmissionHook | undefined;
}

/** Who makes an HTTP write, for admission; test-side writes (`put`, `remove`) have none and are not admitted. */
export interface Requester {
  username: string;
}

/** The request a write answers, for validating admission; absent on the fake's own writes (GC, seeds, put). */
interface Caller {
  route: Route;
  requester: Requester | undefined;
}

export class ObjectWriter {
  private readonly store: ObjectStore;
  readonly gc: GarbageCollector;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly admission: AdmissionHook | undefined;

  constructor(store: ObjectStore, options: WriterOptions) {
    this.store = store;
    this.admission = options.admission;
    this.gc = new GarbageCollector(
      store,
      {
        deleteItem: (def, namespace, name) => this.deleteNow(def, namespace, name, undefined),
        updateItem: (def, obj) => {
          const prev = this.store.getRaw(def, obj.metadata.namespace, obj.metadata.name);
          if (prev) this.commit(def, obj, prev, false);
        },
      },
      options.garbageCollection,
    );
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
   * Stores `next` as the new state of an object (prev undefined: a create), filling the server-managed metadata.
   * An update that changes nothing is a no-op, like on the real server: no new resourceVersion, no watch event.
   */
  private commit(def: ResourceDef, next: KubeObject, prev: KubeObject | undefined, dryRun: boolean, caller?: Caller): KubeObject {
    const strategy = strategyFor(def);
    const o = structuredClone(next);
    o.apiVersion = apiVersionOf(def);
    o.kind = def.kind;
    if (!def.namespaced) delete o.metadata.namespace;
    if (prev) {
      o.metadata.uid = prev.metadata.uid;
      o.metadata.creationTimestamp = prev.metadata.creationTimestamp;
      if (strategy.tracksGeneration) {
        // Custom resources: any change outside metadata and status is a new generation.
        const gen = prev.metadata.generation ?? 1;
        const body = (x: KubeObject): unknown => ({ ...x, metadata: undefined, status: undefined });
        o.metadata.generation = deepEqual(body(prev), body(o)) ? gen : gen + 1;
      } else if (prev.metadata.generation === undefined) delete o.metadata.generation;
      else o.metadata.generation = prev.metadata.generation;
      o.metadata.resourceVersion = prev.metadata.resourceVersion;
      if (caller) this.admit(caller.route, caller.requester, o, prev, dryRun);
      if (deepEqual(o, prev)) return structuredClone(prev);
    } else {
      o.metadata.uid = randomUUID();
      o.metadata.creationTimestamp = now();
      if (strategy.tracksGeneration) o.metadata.generation = 1;
      else delete o.metadata.generation;
      if (caller) this.admit(caller.route, caller.requester, o, null, dryRun);
    }
    if (dryRun) return o;
    o.metadata.resourceVersion = String(this.store.nextRv());
    this.store.write(def, o);
    return structuredClone(o);
  }

  /** Decoding, defaulting and the unknown-field drop of a request body. */
  private decode(def: ResourceDef, obj: KubeObject): KubeObject {
    strategyFor(def).decode?.(obj);
    return obj;
  }

  /** rest.BeforeCreate's two validation passes: the type's own, then the ObjectMeta rules every type gets. */
  private validateCreate(def: ResourceDef, obj: KubeObject): void {
    const strategy = strategyFor(def);
    throwIfInvalid(def, obj.metadata.name, strategy.validateCreate(obj));
    throwIfInvalid(def, obj.metadata.name, validateObjectMeta(obj.metadata, def.namespaced, validatePathSegmentName, false));
  }

  private admitNamespace(def: ResourceDef, namespace: string | undefined, name: string, operation: 'create' | 'update'): void {
    if (!def.namespaced || namespace === undefined) return;
    admitNamespaced(NAMESPACE_DEF, this.store.getRaw(NAMESPACE_DEF, undefined, namespace), namespace, def, name, operation);
  }

  /**
   * Test-side create-or-replace: the object goes through the same decoding, admission and validation as an API
   * write (a test cannot store what a real server would refuse), but may set status and server-managed fields.
   */
  put(def: ResourceDef, input: KubeObject): KubeObject {
    if (def.namespaced && !input.metadata.namespace) throw new Error(`fake kube-apiserver: ${def.kind} ${input.metadata.name} needs metadata.namespace`);
    const namespace = def.namespaced ? input.metadata.namespace : undefined;
    const prev = this.store.getRaw(def, namespace, input.metadata.name);
    const obj = this.decode(def, structuredClone(input));
    if (!def.namespaced) delete obj.metadata.namespace;
    try {
      this.admitNamespace(def, namespace, obj.metadata.name, prev ? 'update' : 'create');
      if (prev) {
        obj.metadata.uid ??= prev.metadata.uid;
        obj.metadata.creationTimestamp ??= prev.metadata.creationTimestamp;
        obj.metadata.resourceVersion = prev.metadata.resourceVersion;
        throwIfInvalid(def, obj.metadata.name, strategyFor(def).validateUpdate(obj, prev));
      } else {
        if (def === NAMESPACE_DEF) prepareStoredNamespace(obj);
        this.validateCreate(def, obj);
      }
    } catch (e) {
      if (e instanceof HttpError) throw new Error(`fake kube-apiserver refused put of ${def.kind} ${namespace ? `${namespace}/` : ''}${obj.metadata.name}: ${e.message}`);
      throw e;
    }
    if (def === NAMESPACE_DEF) prepareStoredNamespace(obj);
    const o = structuredClone(obj);
    o.apiVersion = apiVersionOf(def);
    o.kind = def.kind;
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= now();
    if (strategyFor(def).tracksGeneration) {
      // An explicit generation wins unless it is just the one copied from the stored object.
      if (!prev) o.metadata.generation ??= 1;
      else if (o.metadata.generation === undefined || o.metadata.generation === prev.metadata.generation) {
        const gen = prev.metadata.generation ?? 1;
        o.metadata.generation = deepEqual(prev.spec, o.spec) ? gen : gen + 1;
      }
    }
    o.metadata.resourceVersion = String(this.store.nextRv());
    this.store.write(def, o);
    return structuredClone(o);
  }

  /**
   * Seeding before any client exists: no events. Objects from a test get the checks of `put` (`generated` ones,
   * built by the fake itself, only the defaults); namespaces are checked by `checkSeededNamespaces` once all are in.
   */
  seed(def: ResourceDef, input: KubeObject, createdAt: string, generated: boolean): void {
    if (def.namespaced && !input.metadata.namespace) throw new Error(`fake kube-apiserver: ${def.kind} ${input.metadata.name} needs metadata.namespace`);
    const o = structuredClone(input);
    if (!def.namespaced) delete o.metadata.namespace;
    try {
      this.decode(def, o);
      if (def === NAMESPACE_DEF) prepareStoredNamespace(o);
      if (!generated) this.validateCreate(def, o);
    } catch (e) {
      if (e instanceof HttpError) throw new Error(`fake kube-apiserver refused seed ${def.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}: ${e.message}`);
      throw e;
    }
    o.metadata.uid ??= randomUUID();
    o.metadata.creationTimestamp ??= createdAt;
    if (strategyFor(def).tracksGeneration) o.metadata.generation ??= 1;
    o.metadata.resourceVersion = String(this.store.nextRv());
    this.store.seed(def, o);
    if (!generated) {
      this.seeded.push({ def, obj: o });
      this.gc.seeded(def, o);
    }
  }

  private readonly seeded: { def: ResourceDef; obj: KubeObject }[] = [];

  /** A seeded namespaced object must have its Namespace among the seeds, as on a real cluster. */
  checkSeededNamespaces(): void {
    for (const { def, obj } of this.seeded) {
      const ns = obj.metadata.namespace;
      if (def.namespaced && ns !== undefined && !this.store.getRaw(NAMESPACE_DEF, undefined, ns)) {
        throw new Error(`fake kube-apiserver refused seed ${def.kind} ${ns}/${obj.metadata.name}: namespaces "${ns}" not found`);
      }
    }
    this.seeded.length = 0;
  }

  /** Test-side delete: background propagation (the garbage collector removes the dependents afterwards). */
  remove(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.deleteNow(def, namespace, name, undefined);
  }

  private deleteNow(def: ResourceDef, namespace: string | undefined, name: string, propagation: DeleteOptions['propagation']): KubeObject | undefined {
    const cur = this.store.getRaw(def, namespace, name);
    if (!cur) return undefined;
    if (def.kind === 'CustomResourceDefinition') return this.deleteCrd(def, cur);
    // Graceful deletion with finalizers (registry/generic/registry/store.go updateForGracefulDeletionAndFinalizers):
    // the object gets a deletionTimestamp and stays until the last finalizer is removed (see update).
    if (def !== NAMESPACE_DEF && hasFinalizers(cur)) {
      if (cur.metadata.deletionTimestamp !== undefined) return cur;
      return this.commit(def, { ...cur, metadata: { ...cur.metadata, deletionTimestamp: now(), deletionGracePeriodSeconds: 0 } }, cur, false);
    }
    const uid = String(cur.metadata.uid);
    if (propagation === 'Orphan') this.gc.orphan(uid);
    if (propagation === 'Foreground') for (const d of this.gc.dependentsOf(uid)) this.deleteNow(d.def, d.obj.metadata.namespace, d.obj.metadata.name, 'Foreground');
    const ev = this.store.delete(def, namespace, name);
    if (ev && def === NAMESPACE_DEF) this.purgeNamespace(name);
    if (ev) this.finishCrd(`${def.plural}.${def.group}`);
    return ev?.object;
  }

  /**
   * The apiextensions controller's job when a CRD is deleted (apiextensions-apiserver pkg/controller/finalizer: the
   * customresourcecleanup finalizer): the CRD turns Terminating, every object of its kind is deleted (each waiting
   * for its own finalizers), and the CRD goes once none is left (finishCrd, after each deletion).
   */
  private deleteCrd(crdDef: ResourceDef, crd: KubeObject): KubeObject {
    const marked = crd.metadata.deletionTimestamp !== undefined ? crd : this.commit(crdDef, { ...crd, metadata: { ...crd.metadata, deletionTimestamp: now() } }, crd, false);
    for (const d of RESOURCES.filter((r) => `${r.plural}.${r.group}` === crd.metadata.name)) {
      const table = this.store.table(d);
      for (const o of [...table.objects.values()]) this.deleteNow(d, o.metadata.namespace, o.metadata.name, undefined);
    }
    this.finishCrd(crd.metadata.name);
    return marked;
  }

  private finishCrd(name: string): void {
    const crdDef = RESOURCES.find((d) => d.kind === 'CustomResourceDefinition');
    const crd = crdDef && this.store.getRaw(crdDef, undefined, name);
    if (!crdDef || !crd || crd.metadata.deletionTimestamp === undefined) return;
    if (RESOURCES.some((r) => `${r.plural}.${r.group}` === name && this.store.table(r).objects.size > 0)) return;
    this.store.delete(crdDef, undefined, name);
  }

  /** The namespace controller's job (pkg/controller/namespace/deletion): every object in it goes. */
  private purgeNamespace(name: string): void {
    for (const d of RESOURCES) {
      if (!d.namespaced) continue;
      const { keys, start, end } = this.store.table(d).range(name);
      for (const key of keys.slice(start, end)) this.store.delete(d, name, key.slice(name.length + 1));
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Stops pending namespace finalization (server shutdown). */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
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
    this.decode(def, obj);
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== '') {
      // etcd3 store.Create: storage.ErrResourceVersionSetOnCreate, an internal error on the wire.
      throw new HttpError(500, 'resourceVersion should not be set on objects to be created', 'InternalError');
    }
    delete obj.metadata.resourceVersion;
    if ((obj.metadata.name === undefined || obj.metadata.name === '') && typeof obj.metadata.generateName === 'string' && obj.metadata.generateName !== '') {
      obj.metadata.name = generateName(obj.metadata.generateName);
    }
    if (typeof obj.metadata.name !== 'string') obj.metadata.name = '';
    if (def.namespaced) obj.metadata.namespace = route.namespace;
    else delete obj.metadata.namespace;
    this.admitNamespace(def, route.namespace, obj.metadata.name, 'create');
    // Status is written through /status only; a create starts without it.
    if (def.subresources.includes('status')) delete obj.status;
    strategyFor(def).prepareForCreate?.(obj);
    // FillObjectMetaSystemFields: uid and creationTimestamp are the server's.
    delete obj.metadata.uid;
    delete obj.metadata.creationTimestamp;
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    this.validateCreate(def, obj);
    if (this.store.getRaw(def, route.namespace, obj.metadata.name)) {
      throw new HttpError(409, `${qualified(def)} "${obj.metadata.name}" already exists`, 'AlreadyExists', detailsOf(def, obj.metadata.name));
    }
    return this.commit(def, obj, undefined, dryRun, { route, requester });
  }

  /** store.Update after the object is read: preconditions, optimistic concurrency, then BeforeUpdate. */
  private update(route: Route, cur: KubeObject, next: KubeObject, dryRun: boolean, fromPatch: boolean, requester: Requester | undefined): KubeObject {
    const { def } = route;
    const strategy = strategyFor(def);
    const name = cur.metadata.name;
    if (!fromPatch && typeof next.metadata.uid === 'string' && next.metadata.uid !== '' && next.metadata.uid !== cur.metadata.uid) {
      throw uidConflict(def, route.namespace, name, next.metadata.uid, String(cur.metadata.uid));
    }
    const rv = next.metadata.resourceVersion;
    if (rv === undefined || rv === '') {
      if (!strategy.allowUnconditionalUpdate) {
        throwIfInvalid(def, name, [{ type: 'FieldValueInvalid', field: 'metadata.resourceVersion', badValue: 0, detail: 'must be specified for an update' }]);
      }
      next.metadata.resourceVersion = cur.metadata.resourceVersion;
    } else if (rv !== cur.metadata.resourceVersion) throw conflict(def, name);
    this.admitNamespace(def, route.namespace, name, 'update');
    // rest.BeforeUpdate: generation and creationTimestamp are the server's, an empty uid is the stored one.
    if (next.metadata.uid === undefined || next.metadata.uid === '') next.metadata.uid = cur.metadata.uid;
    next.metadata.creationTimestamp = cur.metadata.creationTimestamp;
    if (cur.metadata.generation === undefined) delete next.metadata.generation;
    else next.metadata.generation = cur.metadata.generation;
    const statusWrite = route.subresource === 'status';
    const merged = splitStatus(def, cur, next, statusWrite);
    if (!statusWrite) strategy.prepareForUpdate?.(merged, cur);
    throwIfInvalid(def, name, strategy.validateUpdate(merged, cur));
    const stored = this.commit(def, merged, cur, dryRun, { route, requester });
    // store.Update (deleteWithoutFinalizers): an object being deleted goes once an update leaves it no finalizer.
    if (!dryRun && stored.metadata.deletionTimestamp !== undefined && !hasFinalizers(stored)) this.deleteNow(def, route.namespace, stored.metadata.name, undefined);
    return stored;
  }

  replace(route: Route, body: unknown, dryRun: boolean, requester?: Requester): KubeObject {
    const cur = this.existing(route);
    const obj = asKubeObject(body, 'update');
    checkIdentity(route.def, obj, route);
    this.decode(route.def, obj);
    obj.metadata.name = cur.metadata.name;
    if (route.def.namespaced) obj.metadata.namespace = route.namespace;
    else delete obj.metadata.namespace;
    return this.update(route, cur, obj, dryRun, false, requester);
  }

  patch(route: Route, body: unknown, contentType: string, query: Record<string, string>, dryRun: boolean, requester?: Requester): { code: number; obj: KubeObject } {
    const ct = contentType.split(';')[0]?.trim() ?? '';
    if (isCustom(route.def) && !CUSTOM_PATCH_TYPES.includes(ct)) {
      throw new HttpError(415, `the body of the request was in an unknown format - accepted media types include: ${CUSTOM_PATCH_TYPES.join(', ')}`, 'UnsupportedMediaType');
    }
    if (ct === 'application/apply-patch+yaml') {
      if (!query.fieldManager) throw new HttpError(400, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      if (!isRecord(body) || typeof body.apiVersion !== 'string' || typeof body.kind !== 'string') {
        throw new HttpError(400, 'apply patch must be an object with apiVersion and kind set');
      }
      if (!this.store.getRaw(route.def, route.namespace, route.name ?? '')) {
        if (route.subresource === 'status') throw notFound(route.def, route.name ?? '');
        const obj = asKubeObject(structuredClone(body), 'apply');
        checkIdentity(route.def, obj, route);
        obj.metadata.name = route.name ?? '';
        delete obj.metadata.resourceVersion;
        return { code: 201, obj: this.create(route, obj, dryRun, requester) };
      }
    }
    const cur = this.existing(route);
    let patched: unknown;
    try {
      switch (ct) {
        case 'application/merge-patch+json':
          patched = mergePatch(cur, body);
          break;
        case 'application/strategic-merge-patch+json':
          patched = strategicMergePatch(cur, body, patchMetaFor(route.def.kind));
          break;
        case 'application/apply-patch+yaml':
          // The applied configuration merged over the live object with the type's list semantics (keyed lists merge,
          // atomic lists are replaced); field ownership (managedFields, conflicts) is not modelled.
          patched = isCustom(route.def) ? mergePatch(cur, body) : strategicMergePatch(cur, body, patchMetaFor(route.def.kind));
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
    try {
      this.decode(route.def, next);
    } catch (e) {
      // jsonPatcher.applyPatchToCurrentObject: a patched object that does not decode is Invalid on the field `patch`,
      // whose value is the whole patched object (data included: never log these messages as they come).
      if (e instanceof DecodeError) throw invalidError({ group: '', kind: '' }, '', [invalid('patch', JSON.stringify(patched), e.detail)]);
      throw e;
    }
    next.metadata.name = cur.metadata.name;
    if (route.def.namespaced) next.metadata.namespace = route.namespace;
    else delete next.metadata.namespace;
    // A patch carrying metadata.resourceVersion is a guarded write: a stale one is a 409, never retried.
    if (next.metadata.resourceVersion === undefined || next.metadata.resourceVersion === null) next.metadata.resourceVersion = cur.metadata.resourceVersion;
    return { code: 200, obj: this.update(route, cur, next, dryRun, true, requester) };
  }

  /** DELETE of one object; returns the response body. */
  delete(route: Route, body: unknown, query: Record<string, string>, requester?: Requester): Record<string, unknown> {
    if (route.subresource !== undefined) throw new HttpError(405, 'DELETE is not allowed on a subresource');
    const options = parseDeleteOptions(body, query);
    const cur = this.existing(route);
    checkPreconditions(route.def, cur, options.preconditions);
    this.admit(route, requester, null, cur, options.dryRun);
    if (route.def === NAMESPACE_DEF) return this.deleteNamespace(cur, options.dryRun);
    if (!options.dryRun) this.deleteNow(route.def, route.namespace, cur.metadata.name, options.propagation);
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { ...detailsOf(route.def, cur.metadata.name), uid: cur.metadata.uid } };
  }

  /**
   * A namespace is not deleted at once: it turns Terminating (deletionTimestamp, phase Terminating) and the namespace
   * controller empties it and removes it shortly after. The answer is the Terminating namespace.
   */
  private deleteNamespace(cur: KubeObject, dryRun: boolean): Record<string, unknown> {
    admitNamespaceDelete(NAMESPACE_DEF, cur.metadata.name);
    const terminating: KubeObject = {
      ...cur,
      metadata: { ...cur.metadata, deletionTimestamp: cur.metadata.deletionTimestamp ?? now() },
      status: { ...(isRecord(cur.status) ? cur.status : {}), phase: 'Terminating' },
    };
    if (dryRun) return terminating;
    const stored = deepEqual(terminating, cur) ? cur : this.commit(NAMESPACE_DEF, terminating, cur, false);
    const name = cur.metadata.name;
    // The namespace controller empties the namespace first; the namespace itself goes once its finalizer is
    // removed, a while later. In between, the namespace is Terminating and empty: creates there are refused.
    this.later(NAMESPACE_FINALIZE_MS / 2, () => this.purgeNamespace(name));
    this.later(NAMESPACE_FINALIZE_MS, () => this.deleteNow(NAMESPACE_DEF, undefined, name, undefined));
    return structuredClone(stored);
  }

  deleteCollection(route: Route, matches: (o: KubeObject) => boolean, body: unknown, query: Record<string, string>, requester?: Requester): void {
    const options = parseDeleteOptions(body, query);
    const table = this.store.table(route.def);
    const { keys, start, end } = table.range(route.namespace);
    for (const key of keys.slice(start, end)) {
      const o = table.objects.get(key);
      if (!o || !matches(o)) continue;
      this.admit({ ...route, name: o.metadata.name }, requester, null, o, options.dryRun);
      if (options.dryRun) continue;
      if (route.def === NAMESPACE_DEF) this.deleteNamespace(o, false);
      else this.deleteNow(route.def, o.metadata.namespace, o.metadata.name, options.propagation);
    }
  }
}

/** metadata.finalizers holds something: a delete only marks the object. */
function hasFinalizers(obj: KubeObject): boolean {
  return Array.isArray(obj.metadata.finalizers) && obj.metadata.finalizers.length > 0;
}
